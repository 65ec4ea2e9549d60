// Block Kit as a reader sees it: lines of text for the terminal, HTML for the page. Pure; blocks
// arrive as the Slack fake recorded them (unknown JSON), so every field is checked before use.
import { escapeHtml, mrkdwnToHtml, mrkdwnToText, plainToText, type Directory } from './slackMarkup';

export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export interface ButtonOnMessage {
  actionId: string;
  text: string;
  value: string | undefined;
  style: 'primary' | 'danger' | undefined;
}

function asButton(element: unknown): ButtonOnMessage | undefined {
  if (!isRecord(element) || element.type !== 'button') return undefined;
  const style = element.style === 'primary' || element.style === 'danger' ? element.style : undefined;
  const text = isRecord(element.text) ? (str(element.text.text) ?? '') : '';
  return { actionId: str(element.action_id) ?? '', text, value: str(element.value), style };
}

/** Every button in the blocks (actions blocks and section accessories), in order. */
export function buttonsIn(blocks: unknown): ButtonOnMessage[] {
  const found: ButtonOnMessage[] = [];
  for (const block of list(blocks)) {
    if (!isRecord(block)) continue;
    for (const element of [...list(block.elements), block.accessory]) {
      const button = asButton(element);
      if (button) found.push(button);
    }
  }
  return found;
}

export function findButton(blocks: unknown, actionId: string): ButtonOnMessage | undefined {
  return buttonsIn(blocks).find((b) => b.actionId === actionId);
}

// ---- text ------------------------------------------------------------------

/** A text object (plain_text or mrkdwn) as readable text. */
export function textObjectToText(value: unknown, dir: Directory): string {
  if (!isRecord(value)) return '';
  const text = str(value.text) ?? '';
  return value.type === 'mrkdwn' ? mrkdwnToText(text, dir) : plainToText(text, value.emoji !== false);
}

function buttonLabel(button: ButtonOnMessage): string {
  return `[ ${plainToText(button.text, true)} ]`;
}

function elementToText(element: unknown, dir: Directory): string {
  if (!isRecord(element)) return '';
  const button = asButton(element);
  if (button) return buttonLabel(button);
  if (element.type === 'mrkdwn' || element.type === 'plain_text') return textObjectToText(element, dir);
  if (element.type === 'image') return `[image: ${str(element.alt_text) ?? ''}]`;
  const placeholder = textObjectToText(element.placeholder, dir);
  switch (element.type) {
    case 'plain_text_input':
      return `[ ${placeholder || '…'} ]`;
    case 'checkboxes':
    case 'radio_buttons':
      return list(element.options)
        .map((o) => `☐ ${isRecord(o) ? textObjectToText(o.text, dir) : ''}`)
        .join('  ');
    default:
      return `[ ${placeholder || str(element.type)?.replace(/_/g, ' ') || 'input'} ▾ ]`;
  }
}

function richTextToText(value: unknown, dir: Directory): string {
  if (!isRecord(value)) return '';
  switch (value.type) {
    case 'text':
      return str(value.text) ?? '';
    case 'user':
      return `@${dir.users[str(value.user_id) ?? ''] ?? str(value.user_id) ?? ''}`;
    case 'channel':
      return `#${dir.channels[str(value.channel_id) ?? ''] ?? str(value.channel_id) ?? ''}`;
    case 'link':
      return str(value.text) ?? str(value.url) ?? '';
    case 'emoji':
      return `:${str(value.name) ?? ''}:`;
    default:
      return list(value.elements)
        .map((e) => richTextToText(e, dir))
        .join('');
  }
}

/** The blocks of a message or view as lines of readable text. */
export function blocksToText(blocks: unknown, dir: Directory): string[] {
  const lines: string[] = [];
  for (const block of list(blocks)) {
    if (!isRecord(block)) continue;
    switch (block.type) {
      case 'header':
        lines.push(`*${textObjectToText(block.text, dir)}*`);
        break;
      case 'section': {
        const text = textObjectToText(block.text, dir);
        const fields = list(block.fields).map((f) => textObjectToText(f, dir));
        const accessory = block.accessory === undefined ? '' : elementToText(block.accessory, dir);
        const body = [text, ...fields].filter((t) => t !== '').join('\n');
        lines.push(...(accessory ? `${body}  ${accessory}` : body).split('\n'));
        break;
      }
      case 'context':
        lines.push(
          list(block.elements)
            .map((e) => elementToText(e, dir))
            .join('  ·  '),
        );
        break;
      case 'actions':
        lines.push(
          list(block.elements)
            .map((e) => elementToText(e, dir))
            .join(' '),
        );
        break;
      case 'divider':
        lines.push('────────────');
        break;
      case 'input': {
        const optional = block.optional === true ? ' (optional)' : '';
        lines.push(`${textObjectToText(block.label, dir)}${optional}: ${elementToText(block.element, dir)}`);
        break;
      }
      case 'image':
        lines.push(`[image: ${str(block.alt_text) ?? ''}]`);
        break;
      case 'markdown':
        lines.push(...(str(block.text) ?? '').split('\n'));
        break;
      case 'rich_text':
        lines.push(...richTextToText(block, dir).split('\n'));
        break;
      default:
        lines.push(`[${str(block.type) ?? 'block'}]`);
    }
  }
  return lines;
}

/** What a message shows: its blocks when it has any, otherwise its text. */
export function messageToText(text: string, blocks: unknown, dir: Directory): string[] {
  const fromBlocks = blocksToText(blocks, dir);
  return fromBlocks.length > 0 ? fromBlocks : mrkdwnToText(text, dir).split('\n');
}

// ---- HTML ------------------------------------------------------------------

function textObjectToHtml(value: unknown, dir: Directory): string {
  if (!isRecord(value)) return '';
  const text = str(value.text) ?? '';
  return value.type === 'mrkdwn' ? mrkdwnToHtml(text, dir) : escapeHtml(plainToText(text, value.emoji !== false));
}

function buttonToHtml(button: ButtonOnMessage): string {
  const style = button.style ? ` btn-${button.style}` : '';
  return `<button type="button" class="btn${style}" title="${escapeHtml(button.actionId)}" disabled>${escapeHtml(plainToText(button.text, true))}</button>`;
}

function elementToHtml(element: unknown, dir: Directory): string {
  if (!isRecord(element)) return '';
  const button = asButton(element);
  if (button) return buttonToHtml(button);
  if (element.type === 'mrkdwn' || element.type === 'plain_text') return `<span>${textObjectToHtml(element, dir)}</span>`;
  if (element.type === 'image') return `<span class="image">[${escapeHtml(str(element.alt_text) ?? 'image')}]</span>`;
  const placeholder = textObjectToText(element.placeholder, dir);
  if (element.type === 'plain_text_input') {
    const tall = element.multiline === true ? ' tall' : '';
    return `<span class="input${tall}">${escapeHtml(placeholder)}</span>`;
  }
  if (element.type === 'checkboxes' || element.type === 'radio_buttons') {
    return list(element.options)
      .map((o) => `<label class="option">☐ ${isRecord(o) ? textObjectToHtml(o.text, dir) : ''}</label>`)
      .join(' ');
  }
  const kind = placeholder || str(element.type)?.replace(/_/g, ' ') || 'input';
  return `<span class="input select">${escapeHtml(kind)} ▾</span>`;
}

/** The blocks of a message or view as HTML, each text escaped. */
export function blocksToHtml(blocks: unknown, dir: Directory): string {
  const out: string[] = [];
  for (const block of list(blocks)) {
    if (!isRecord(block)) continue;
    switch (block.type) {
      case 'header':
        out.push(`<div class="block block-header">${textObjectToHtml(block.text, dir)}</div>`);
        break;
      case 'section': {
        const text = block.text === undefined ? '' : `<div class="mrkdwn">${textObjectToHtml(block.text, dir)}</div>`;
        const fields = list(block.fields);
        const grid = fields.length
          ? `<div class="fields">${fields.map((f) => `<div>${textObjectToHtml(f, dir)}</div>`).join('')}</div>`
          : '';
        const accessory = block.accessory === undefined ? '' : `<div class="accessory">${elementToHtml(block.accessory, dir)}</div>`;
        out.push(`<div class="block block-section"><div class="section-body">${text}${grid}</div>${accessory}</div>`);
        break;
      }
      case 'context':
        out.push(`<div class="block block-context">${list(block.elements).map((e) => elementToHtml(e, dir)).join('')}</div>`);
        break;
      case 'actions':
        out.push(`<div class="block block-actions">${list(block.elements).map((e) => elementToHtml(e, dir)).join('')}</div>`);
        break;
      case 'divider':
        out.push('<hr class="block block-divider">');
        break;
      case 'input': {
        const optional = block.optional === true ? ' <span class="optional">(optional)</span>' : '';
        const hint = block.hint === undefined ? '' : `<div class="hint">${textObjectToHtml(block.hint, dir)}</div>`;
        out.push(
          `<div class="block block-input"><div class="label">${textObjectToHtml(block.label, dir)}${optional}</div>${elementToHtml(block.element, dir)}${hint}</div>`,
        );
        break;
      }
      case 'image':
        out.push(`<div class="block image">[${escapeHtml(str(block.alt_text) ?? 'image')}]</div>`);
        break;
      case 'markdown':
        out.push(`<div class="block block-section">${escapeHtml(str(block.text) ?? '')}</div>`);
        break;
      case 'rich_text':
        out.push(`<div class="block block-section">${escapeHtml(richTextToText(block, dir))}</div>`);
        break;
      default:
        out.push(`<div class="block unknown">[${escapeHtml(str(block.type) ?? 'block')}]</div>`);
    }
  }
  return out.join('\n');
}

/** A message's blocks as HTML, or its text as mrkdwn when it has no blocks. */
export function messageToHtml(text: string, blocks: unknown, dir: Directory): string {
  return list(blocks).length > 0 ? blocksToHtml(blocks, dir) : `<div class="block block-section"><div class="mrkdwn">${mrkdwnToHtml(text, dir)}</div></div>`;
}
