/* global document, Node */
// Tiny DOM helpers: elements are built with textContent only, so API data is never parsed as HTML.

export function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (v === true) node.setAttribute(k, '');
    else node.setAttribute(k, String(v));
  }
  for (const child of [].concat(children)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function replace(container, ...children) {
  container.replaceChildren(...children.filter(Boolean));
}

/**
 * A data table with column headers (scope=col) and, for the column marked `header`, row
 * headers (scope=row). `cell` returns text or a node.
 */
export function table({ caption, columns, rows, footer, id, captionHidden = true }) {
  const head = el('thead', {}, el('tr', {}, columns.map((c) => el('th', { scope: 'col', class: c.numeric ? 'num' : undefined, 'data-col': c.key }, c.label))));
  const body = el(
    'tbody',
    {},
    rows.map((row, i) =>
      el(
        'tr',
        {},
        columns.map((c) => el(c.header ? 'th' : 'td', { scope: c.header ? 'row' : undefined, class: c.numeric ? 'num' : undefined, 'data-col': c.key }, c.cell(row, i))),
      ),
    ),
  );
  const parts = [el('caption', { class: captionHidden ? 'visually-hidden' : undefined }, caption), head, body];
  if (footer) {
    parts.push(el('tfoot', {}, el('tr', {}, columns.map((c, i) => el(i === 0 ? 'th' : 'td', { scope: i === 0 ? 'row' : undefined, class: c.numeric ? 'num' : undefined, 'data-col': c.key }, c.foot ? c.foot(footer) : '')))));
  }
  return el('div', { class: 'table-scroll' }, el('table', { id, class: 'data' }, parts));
}
