// Time and memory of one call: RSS and heapUsed sampled every 50 ms while it runs, plus the
// process's RSS high-water mark from the kernel, which also covers stretches where a long
// synchronous computation keeps the sampler from running.
import v8 from 'node:v8';
import vm from 'node:vm';

export interface MemoryPeak {
  rssBeforeMb: number;
  rssPeakMb: number;
  rssPeakDeltaMb: number;
  heapUsedBeforeMb: number;
  heapUsedPeakMb: number;
  heapUsedAfterMb: number;
  /** process.resourceUsage().maxRSS after the call: the process's peak so far. */
  processMaxRssMb: number;
  samples: number;
}

export interface Timed<T> {
  value: T;
  seconds: number;
  memory: MemoryPeak;
}

const SAMPLE_EVERY_MS = 50;
const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

function collectGarbage(): void {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as unknown;
    if (typeof gc === 'function') (gc as () => void)();
  } catch {
    // Without a forced collection the "before" figures include garbage; the peaks are still right.
  }
}

export async function measure<T>(run: () => Promise<T>): Promise<Timed<T>> {
  collectGarbage();
  const before = process.memoryUsage();
  let rssPeak = before.rss;
  let heapPeak = before.heapUsed;
  let samples = 0;
  const sample = () => {
    const now = process.memoryUsage();
    rssPeak = Math.max(rssPeak, now.rss);
    heapPeak = Math.max(heapPeak, now.heapUsed);
    samples++;
  };
  const sampler = setInterval(sample, SAMPLE_EVERY_MS);
  const started = performance.now();
  try {
    const value = await run();
    const seconds = Math.round(performance.now() - started) / 1000;
    sample();
    const after = process.memoryUsage();
    return {
      value,
      seconds,
      memory: {
        rssBeforeMb: mb(before.rss),
        rssPeakMb: mb(rssPeak),
        rssPeakDeltaMb: mb(rssPeak - before.rss),
        heapUsedBeforeMb: mb(before.heapUsed),
        heapUsedPeakMb: mb(heapPeak),
        heapUsedAfterMb: mb(after.heapUsed),
        processMaxRssMb: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
        samples,
      },
    };
  } finally {
    clearInterval(sampler);
  }
}
