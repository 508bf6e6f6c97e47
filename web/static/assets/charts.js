// SVG bar charts drawn by hand (no chart library). Geometry uses numbers;
// the figures shown as text come from the API's strings unchanged. Every
// chart has a title and a description, and the same figures are in a table.
import { uid } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';

function s(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children) if (c) el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

// chartWidth fits the drawing to the window, so that text keeps its size on a phone.
function chartWidth() {
  const w = document.documentElement.clientWidth || 640;
  return Math.round(Math.min(640, Math.max(300, w - 72)));
}

function frame(width, height, title, desc) {
  const tid = uid('ct');
  const did = uid('cd');
  return s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': `${tid} ${did}`, class: 'chart', preserveAspectRatio: 'xMinYMin meet' },
    s('title', { id: tid }, title), s('desc', { id: did }, desc));
}

// hbars draws one horizontal bar per row: rows [{label, value:Number, text}],
// with dashed reference lines [{value, text}] (such as 100% of target).
export function hbars({ title, desc, rows, lines = [], max }) {
  const width = chartWidth();
  const labelW = width < 480 ? 84 : 120;
  const textW = width < 480 ? 70 : 90;
  const barH = 22;
  const gap = 10;
  const plotW = width - labelW - textW;
  const top = 6 + lines.length * 16;
  const height = top + rows.length * (barH + gap) + 6;
  const top2 = Math.max(max || 0, ...rows.map((r) => r.value), ...lines.map((l) => l.value), 1);
  const x = (v) => labelW + (Math.max(0, v) / top2) * plotW;
  const svg = frame(width, height, title, desc);
  rows.forEach((r, i) => {
    const y = top + i * (barH + gap);
    svg.append(
      s('text', { x: labelW - 8, y: y + barH * 0.7, 'text-anchor': 'end', class: 'c-label' }, r.label),
      s('rect', { x: labelW, y, width: Math.max(1, x(r.value) - labelW), height: barH, class: r.className || 'c-bar', rx: 2 }),
      s('text', { x: x(r.value) + 6, y: y + barH * 0.7, class: 'c-value' }, r.text));
  });
  lines.forEach((l, i) => {
    const lx = x(l.value);
    svg.append(
      s('line', { x1: lx, x2: lx, y1: 14 + i * 16, y2: height - 2, class: 'c-ref' }),
      s('text', { x: lx, y: 12 + i * 16, 'text-anchor': lx > width - 60 ? 'end' : 'middle', class: 'c-ref-label' }, l.text));
  });
  return svg;
}

// vbars draws columns, such as amounts per month: rows [{label, value:Number, text}].
export function vbars({ title, desc, rows }) {
  const width = chartWidth();
  const height = 260;
  const left = 8;
  const bottom = 40;
  const top = 24;
  const n = Math.max(rows.length, 1);
  const slot = (width - left * 2) / n;
  const barW = Math.min(48, slot * 0.7);
  const max = Math.max(1, ...rows.map((r) => r.value));
  const plotH = height - top - bottom;
  const svg = frame(width, height, title, desc);
  svg.append(s('line', { x1: left, x2: width - left, y1: height - bottom, y2: height - bottom, class: 'c-axis' }));
  // On a narrow drawing the values stay in the table and labels shorten ("2024-03" → "03").
  const roomy = slot >= 56;
  rows.forEach((r, i) => {
    const hgt = (Math.max(0, r.value) / max) * plotH;
    const cx = left + slot * i + slot / 2;
    const y = height - bottom - hgt;
    let lbl = roomy ? r.label : String(r.label).replace(/^\d{4}-?/, '');
    if (slot < 24 && i % 2) lbl = '';
    svg.append(s('rect', { x: cx - barW / 2, y, width: barW, height: Math.max(1, hgt), class: 'c-bar', rx: 2 }));
    if (roomy) svg.append(s('text', { x: cx, y: y - 6, 'text-anchor': 'middle', class: 'c-value small' }, r.text));
    svg.append(
      s('text', { x: cx, y: height - bottom + 18, 'text-anchor': 'middle', class: 'c-label' }, lbl));
  });
  return svg;
}

// amountNumber turns "289716000.00" into a number for drawing only.
export const amountNumber = (v) => (v === null || v === undefined ? 0 : Number(v) || 0);
