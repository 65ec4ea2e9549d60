// setupFiles of jest.mutation.config.js (`npm run mutation`): a property that fails under a mutant
// has found it, so fast-check stops there instead of shrinking the counterexample, which would
// only take time (and turn a killed mutant into a timeout).
import fc from 'fast-check';

fc.configureGlobal({ endOnFailure: true });
