import test from 'ava';
import { convergenceCsv, proxiesCsv, pushesCsv, reasonsText, requestsCsv } from './csv-files.ts';
import { fixtureRecord, emptyRecord } from './fixture.ts';

/** RFC 4180 reader, enough to read back what csv-stringify wrote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; } else cell += c;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}

const record = fixtureRecord();

test('requests.csv has the header, one row per RequestCount, and sums that match the record', (t) => {
  const rows = parseCsv(requestsCsv(record));
  t.deepEqual(rows[0], ['time_s', 'source', 'destination', 'destination_service', 'response_code', 'response_flags', 'requests', 'duration_sum_ms']);
  t.is(rows.length - 1, record.requests.length);
  const total = rows.slice(1).reduce((n, r) => n + Number(r[6]), 0);
  t.is(total, record.requests.reduce((n, r) => n + r.count, 0));
  const reset = rows.find((r) => r[4] === '0');
  t.deepEqual(reset, ['21', 'shop/frontend', 'unknown', 'reviews.shop.svc.cluster.local', '0', 'UF,URX', '3', '6']);
  t.true(requestsCsv(record).includes(',"UF,URX",'), 'a cell with a comma is quoted');
});

test('pushes.csv writes debounce, reasons and configs as text we chose, quoting what needs it', (t) => {
  const rows = parseCsv(pushesCsv(record));
  t.deepEqual(rows[0], ['push', 'start_s', 'debounce_ms', 'full', 'reasons', 'configs', 'proxies', 'generation_ms']);
  t.deepEqual(rows[2], ['1', '10.11', '110', 'true', 'config:1', 'VirtualService/shop/catalog', '30', '18.5']);
  t.deepEqual(rows[4], ['3', '15.35', '350', 'false', 'endpoint:4', '', '30', '2.1']);
  t.is(rows[5]?.[5], 'Gateway/shop/web <&>;VirtualService/shop/"frontend"');
  t.is(reasonsText({ endpoint: 1, config: 2 }), 'config:2;endpoint:1');
});

test('convergence.csv leaves ack_ms empty for a proxy that never answered and marks the NACK', (t) => {
  const rows = parseCsv(convergenceCsv(record));
  t.deepEqual(rows[0], ['push', 'proxy', 'queue_ms', 'sent_ms', 'ack_ms', 'types', 'nacked', 'bytes', 'initial']);
  t.is(rows.length - 1, record.convergence.length);
  const silent = rows.filter((r) => r[4] === '');
  t.is(silent.length, 1);
  t.is(silent[0]?.[0], '5');
  t.is(rows.filter((r) => r[6] === 'true').length, 1);
  t.is(rows[1]?.[5], 'CDS;EDS;LDS;RDS');
});

test('proxies.csv has one column per xDS type for the last ACKed push', (t) => {
  const rows = parseCsv(proxiesCsv(record));
  t.deepEqual(rows[0], ['proxy', 'namespace', 'workload', 'type', 'listeners', 'routes', 'clusters', 'endpoints', 'bytes', 'acked_cds', 'acked_eds', 'acked_lds', 'acked_rds', 'nacks']);
  const gateway = rows.find((r) => r[3] === 'router');
  t.is(gateway?.[1], 'istio-system');
  t.is(gateway?.[2], 'istio-ingressgateway');
  t.deepEqual(gateway?.slice(9), ['4', '5', '2', '2', '1']);
});

test('an empty run gives header-only files', (t) => {
  const empty = emptyRecord();
  for (const text of [requestsCsv(empty), pushesCsv(empty), convergenceCsv(empty), proxiesCsv(empty)]) {
    t.is(text.split('\n').length, 2, text);
    t.true(text.endsWith('\n'));
  }
});
