// Writes ESC/POS streams with two independent encoders, receiptline and
// esc-pos-encoder, and the words each prints (WORDS.txt beside STREAM.bin).
// Run once, outside the repository's Go build:
//   npm install receiptline@4.0.4 esc-pos-encoder@3.0.0
//   node generate.js OUTDIR
// The streams are committed; this script says how they were made.
const fs = require('fs');
const path = require('path');
const receiptline = require('receiptline');
const EscPosEncoder = require('esc-pos-encoder');

const out = process.argv[2] || '.';

// One French ticket, as a France Services kiosk would print it.
const ticket = {
  title: 'BORNE FRANCE SERVICES',
  site: 'Maison France Services de Lyon',
  rows: [['Démarche', 'Allocations familiales'], ['Montant versé', '412,50 €'], ['Rendez-vous', 'mardi 14 mars']],
  next: 'Prochaine étape',
  text: 'Envoyez votre déclaration trimestrielle avant le quinze avril.',
  code: 'BORNE2026',
  url: 'https://www.caf.fr/',
  bye: 'Merci de votre visite',
};

function words(extra) {
  const all = [ticket.title, ticket.site, ...ticket.rows.flat(), ticket.next, ticket.text, ticket.code, ticket.bye, ...extra].join(' ');
  return all.split(/\s+/).map((w) => w.replace(/[.,:;!?€]+$/, '')).filter((w) => w.length > 1 && !/^\d+$/.test(w));
}

function save(name, bytes, extra) {
  fs.writeFileSync(path.join(out, name + '.bin'), bytes);
  fs.writeFileSync(path.join(out, name + '.words'), words(extra).join('\n') + '\n');
}

// receiptline: tables by absolute positions, rules in the code page's box
// characters, CODE128 with code-set prefixes, QR codes, one per encoding.
for (const encoding of ['cp437', 'cp858', 'cp1252', 'multilingual']) {
  const rows = ticket.rows.map(([k, v]) => `|${k} | ${encoding === 'cp437' ? v.replace('€', 'EUR') : v}|`).join('\n');
  const doc = [
    `^^^${ticket.title}`,
    ticket.site,
    '---',
    rows,
    '---',
    `"^${ticket.next}"`,
    ticket.text,
    `{code:${ticket.code};option:code128,2,72,hri}`,
    `{code:${ticket.url};option:qrcode,4,L}`,
    '---',
    `_${ticket.bye}_`,
    '=',
  ].join('\n');
  const cmd = receiptline.transform(doc, { cpl: 48, encoding, command: 'escpos', spacing: true });
  save('receiptline-' + encoding, Buffer.from(cmd, 'binary'), []);
}

// esc-pos-encoder: code page by name, tables padded with spaces, GS ! sizes,
// barcodes and QR codes, a raster image.
for (const codepage of ['cp437', 'cp850', 'cp858', 'windows1252']) {
  const euro = codepage === 'cp437' || codepage === 'cp850';
  const e = new EscPosEncoder({ columns: 48, imageMode: 'raster' });
  e.initialize().codepage(codepage)
    .align('center').size(2, 2).line(ticket.title).size(1, 1).line(ticket.site)
    .align('left').rule()
    .table([{ width: 20, align: 'left' }, { width: 27, marginLeft: 1, align: 'right' }],
      ticket.rows.map(([k, v]) => [k, euro ? v.replace('€', 'EUR') : v]))
    .rule()
    .bold(true).line(ticket.next).bold(false)
    .line(ticket.text)
    .align('center').barcode(ticket.code, 'code128', { height: 60, text: true }).newline()
    .barcode('3130630574613', 'ean13', { height: 60, text: true }).newline()
    .qrcode(ticket.url, 2, 6, 'm').newline()
    .underline(true).line(ticket.bye).underline(false)
    .newline().cut();
  save('esc-pos-encoder-' + codepage, Buffer.from(e.encode()), []);
}
