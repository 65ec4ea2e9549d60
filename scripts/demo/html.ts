// The transcript as one self-contained HTML page (inline CSS, no scripts, no external assets):
// Block Kit drawn readably, grouped by step and channel. Pure: transcript in, HTML out; every
// piece of text is escaped on the way.
import { messageToHtml, blocksToHtml } from './blocks';
import type { Beat, SeenEvent, TranscriptStep } from './events';
import { escapeHtml, mrkdwnToHtml, plainToText, type Directory } from './slackMarkup';
import { personName, placeTitle, type TranscriptHeader } from './transcript';

const STYLE = `
*{box-sizing:border-box}
body{margin:0;background:#f4f1f4;color:#1d1c1d;font:15px/1.46 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
main{max-width:980px;margin:0 auto;padding:24px 16px 64px}
h1{font-size:26px;margin:0 0 4px}
.intro{color:#616061;margin:0 0 24px}
.intro li{margin:2px 0}
.step{background:#fff;border:1px solid #ddd;border-radius:10px;margin:0 0 24px;overflow:hidden}
.step>h2{margin:0;padding:12px 16px;font-size:18px;background:#4a154b;color:#fff}
.beat{padding:12px 16px;border-top:1px solid #eee}
.beat:first-of-type{border-top:0}
.did{margin:0 0 8px;font-size:15px}
.did .who{font-weight:700}
.did code,.mrkdwn code{font:12px/1.4 Menlo,Consolas,monospace;background:#f6f6f6;border:1px solid #e1e1e1;border-radius:3px;padding:1px 4px;color:#e01e5a}
.place{margin:8px 0 12px;border:1px solid #e8e8e8;border-radius:8px}
.place>h3{margin:0;padding:6px 12px;font-size:14px;background:#f8f8f8;border-bottom:1px solid #e8e8e8;border-radius:8px 8px 0 0}
.nothing{color:#868686;font-style:italic;margin:4px 0 0}
.msg{padding:8px 12px;border-top:1px solid #f1f1f1}
.msg:first-of-type{border-top:0}
.msg .meta{font-size:13px;margin:0 0 2px}
.msg .sender{font-weight:700}
.badge{display:inline-block;font-size:10px;font-weight:700;color:#616061;background:#e8e8e8;border-radius:3px;padding:0 4px;margin-left:4px;vertical-align:1px}
.msg .note{color:#616061;font-size:12px;margin-left:6px}
.msg.reply{margin-left:28px;border-left:3px solid #e0e0e0}
.msg.update{background:#fbfbf6}
.msg.update .note{color:#8a6d00}
.msg.ephemeral{background:#f3f8fd}
.msg.ephemeral .note{color:#1264a3}
.msg.refused{background:#fdf0f0;color:#a00}
.block{margin:4px 0}
.block-header{font-size:17px;font-weight:800}
.block-section{display:flex;gap:12px;align-items:flex-start}
.section-body{flex:1;min-width:0;overflow-wrap:anywhere}
.mrkdwn,.block-context>span{white-space:pre-wrap}
.fields{display:grid;grid-template-columns:1fr 1fr;gap:4px 16px;margin-top:4px}
.block-context{font-size:12px;color:#616061;display:flex;flex-wrap:wrap;gap:4px 12px}
.block-actions{display:flex;flex-wrap:wrap;gap:8px}
.block-divider{border:0;border-top:1px solid #ddd}
.btn{font:inherit;font-size:13px;font-weight:700;padding:3px 12px;border-radius:4px;border:1px solid #bbb;background:#fff;color:#1d1c1d;cursor:default}
.btn-primary{background:#007a5a;border-color:#007a5a;color:#fff}
.btn-danger{background:#fff;border-color:#e01e5a;color:#e01e5a}
.mention{background:#e8f5fa;color:#1264a3;border-radius:3px;padding:0 2px}
.date{border-bottom:1px dotted #888}
blockquote{margin:4px 0;padding-left:10px;border-left:4px solid #ddd;color:#454245}
pre{font:12px/1.4 Menlo,Consolas,monospace;background:#f6f6f6;border:1px solid #e1e1e1;border-radius:4px;padding:8px;white-space:pre-wrap}
a{color:#1264a3}
.modal{margin:8px 12px;border:1px solid #ccc;border-radius:8px;box-shadow:0 4px 12px rgba(0,0,0,.08);max-width:560px;background:#fff}
.modal .title{font-weight:800;padding:10px 14px;border-bottom:1px solid #eee}
.modal .title .note{font-weight:400;color:#616061;font-size:12px;margin-left:6px}
.modal .body{padding:6px 14px}
.modal .footer{display:flex;justify-content:flex-end;gap:8px;padding:10px 14px;border-top:1px solid #eee}
.block-input .label{font-weight:700;font-size:14px}
.block-input .hint{font-size:12px;color:#616061}
.input{display:block;border:1px solid #bbb;border-radius:4px;padding:5px 8px;min-height:32px;color:#868686;font-size:13px}
.input.tall{min-height:64px}
.input.select{display:inline-block;min-width:200px}
.optional{font-weight:400;color:#868686}
.file{padding:8px 12px}
.file .name{font-weight:700}
footer{color:#868686;font-size:12px;text-align:center}
`;

function msg(classes: string, meta: string, body: string): string {
  return `<div class="msg ${classes}"><div class="meta">${meta}</div>${body}</div>`;
}

function sender(dir: Directory): string {
  return `<span class="sender">${escapeHtml(dir.appName)}</span><span class="badge">APP</span>`;
}

function threadNote(threadOf: string | undefined): string {
  return threadOf ? `in the ${escapeHtml(threadOf)} thread` : 'in a thread';
}

export function eventToHtml(event: SeenEvent, dir: Directory): string {
  switch (event.kind) {
    case 'message': {
      const note = event.threadTs ? `<span class="note">replied ${threadNote(event.threadOf)}</span>` : '';
      return msg(event.threadTs ? 'reply' : 'root', `${sender(dir)}${note}`, messageToHtml(event.text, event.blocks, dir));
    }
    case 'update': {
      const where = event.threadTs ? ` (${threadNote(event.threadOf)})` : '';
      return msg(`update${event.threadTs ? ' reply' : ''}`, `${sender(dir)}<span class="note">updated in place${where}</span>`, messageToHtml(event.text, event.blocks, dir));
    }
    case 'ephemeral': {
      const who = event.user ? `Only visible to ${escapeHtml(personName(event.user, dir))}` : 'Only visible to whoever clicked';
      return msg('ephemeral', `${sender(dir)}<span class="note">${who}</span>`, messageToHtml(event.text, event.blocks, dir));
    }
    case 'modal': {
      const note = event.updated ? '<span class="note">(updated)</span>' : '';
      const submit = event.submit ? `<button type="button" class="btn btn-primary" disabled>${escapeHtml(plainToText(event.submit, true))}</button>` : '';
      return (
        `<div class="modal"><div class="title">${escapeHtml(plainToText(event.title, true))}${note}</div>` +
        `<div class="body">${blocksToHtml(event.blocks, dir)}</div>` +
        `<div class="footer"><button type="button" class="btn" disabled>${escapeHtml(plainToText(event.close ?? 'Cancel', true))}</button>${submit}</div></div>`
      );
    }
    case 'home':
      return `<div class="modal"><div class="title">Home</div><div class="body">${blocksToHtml(event.blocks, dir)}</div></div>`;
    case 'file': {
      const size = event.bytes === undefined ? '' : ` · ${event.bytes} bytes`;
      const comment = event.comment ? `<div class="mrkdwn">${mrkdwnToHtml(event.comment, dir)}</div>` : '';
      return `<div class="file">📎 <span class="name">${escapeHtml(event.title)}</span> <span class="note">${escapeHtml(event.filename)}${size}</span>${comment}</div>`;
    }
    case 'reaction':
      return msg('root', sender(dir), `<div class="block">reacted :${escapeHtml(event.name)}:</div>`);
    case 'refused':
      return msg('refused', '<span class="sender">Slack</span>', `<div class="block">refused ${escapeHtml(event.method)}: ${escapeHtml(event.error)}</div>`);
  }
}

function beatToHtml(beat: Beat, dir: Directory): string {
  const who = beat.actor === undefined ? '' : `<span class="who">${escapeHtml(personName(beat.actor, dir))}</span> `;
  const command = beat.command === undefined ? '' : ` <code>${escapeHtml(beat.command)}</code>`;
  const did = beat.what === undefined ? '' : `<p class="did">▶ ${who}${escapeHtml(beat.what)}${command}</p>`;
  const places = beat.groups.map(
    (group) =>
      `<div class="place"><h3>${escapeHtml(placeTitle(group.place, dir))}</h3>${group.events.map((e) => eventToHtml(e, dir)).join('\n')}</div>`,
  );
  const nothing = beat.groups.length === 0 && beat.what !== undefined ? '<p class="nothing">Nothing new in Slack.</p>' : '';
  return `<div class="beat">${did}${places.join('\n')}${nothing}</div>`;
}

/** The whole page. */
export function renderTranscriptHtml(steps: TranscriptStep[], dir: Directory, header: TranscriptHeader, footer: string): string {
  const sections = steps.map(
    (step) =>
      `<section class="step" id="step-${step.number}"><h2>Step ${step.number} · ${escapeHtml(step.title)}</h2>\n${step.beats.map((b) => beatToHtml(b, dir)).join('\n')}</section>`,
  );
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(header.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    `<h1>${escapeHtml(header.title)}</h1>`,
    `<ul class="intro">${header.intro.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>`,
    ...sections,
    `<footer>${escapeHtml(footer)}</footer>`,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
