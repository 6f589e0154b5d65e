// Strongbox console: the Health page's charts (proto-docs/console.md "Health").
//
// The server keeps counters and histograms (/metrics, Prometheus text format); this file scrapes
// them every few seconds while the page is open, turns consecutive scrapes into rates and
// percentiles, and draws them as SVG line charts by hand (no charting library: a few polylines).
// Everything drawn is built with DOM calls and textContent, never markup from strings.
'use strict';

const StrongboxCharts = (() => {
  const SVG = 'http://www.w3.org/2000/svg';

  // Prometheus text format, version 0.0.4: `name{label="value",…} number`. Returns
  // [{name, labels, value}]; comments and malformed lines are skipped.
  function parseMetrics(text) {
    const samples = [];
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const brace = line.indexOf('{');
      const space = line.lastIndexOf(' ');
      if (space < 0) continue;
      let name;
      const labels = {};
      if (brace >= 0 && brace < space) {
        name = line.slice(0, brace);
        const body = line.slice(brace + 1, line.lastIndexOf('}'));
        const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
        let m;
        while ((m = re.exec(body)) !== null) {
          labels[m[1]] = m[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
        }
      } else {
        name = line.slice(0, space);
      }
      const value = Number(line.slice(space + 1));
      if (!Number.isNaN(value)) samples.push({ name, labels, value });
    }
    return samples;
  }

  // The route family a request counts in, from its route pattern.
  function familyOf(route) {
    if (route.includes('/console')) return 'console';
    if (route.includes('ordered-data-stores') || route.includes('orderedDataStores')) {
      return 'leaderboards';
    }
    if (route.includes('/memory-store')) return 'memory store';
    if (route.includes('/session-locks')) return 'session locks';
    if (route.includes(':commit') || route.includes(':batchGet')) return 'transactions';
    if (route.includes('data-stores') || route.includes('datastores')) return 'data stores';
    if (route.startsWith('/admin') || route === '/metrics') return 'admin';
    return 'other';
  }

  // The value below which `q` of the observations fall, interpolated inside the bucket that
  // holds it (as Prometheus's histogram_quantile). `buckets`: [[le, cumulative count]] sorted.
  function quantile(q, buckets) {
    if (buckets.length === 0) return null;
    const total = buckets[buckets.length - 1][1];
    if (total <= 0) return null;
    const rank = q * total;
    let prevLe = 0;
    let prevCount = 0;
    for (const [le, count] of buckets) {
      if (count >= rank) {
        if (!Number.isFinite(le)) return prevLe;
        const inBucket = count - prevCount;
        return inBucket > 0 ? prevLe + (le - prevLe) * ((rank - prevCount) / inBucket) : le;
      }
      prevLe = le;
      prevCount = count;
    }
    return prevLe;
  }

  // What one scrape says, summed by family: request counts by family and by status class,
  // latency buckets by family, commit group size and durable-write buckets.
  function digest(samples) {
    const d = { requests: {}, errors: {}, throttled: {}, latency: {}, group: {}, groupSum: 0,
      groupCount: 0, write: {}, pending: 0 };
    const add = (map, key, v) => { map[key] = (map[key] || 0) + v; };
    for (const s of samples) {
      if (s.name === 'strongbox_http_requests_total') {
        const family = familyOf(s.labels.route || '');
        add(d.requests, family, s.value);
        const status = Number(s.labels.status);
        if (status >= 500) add(d.errors, family, s.value);
        if (status === 429) add(d.throttled, family, s.value);
      } else if (s.name === 'strongbox_http_request_duration_seconds_bucket') {
        const family = familyOf(s.labels.route || '');
        d.latency[family] = d.latency[family] || {};
        add(d.latency[family], s.labels.le, s.value);
      } else if (s.name === 'strongbox_commit_group_size_sum') {
        d.groupSum = s.value;
      } else if (s.name === 'strongbox_commit_group_size_count') {
        d.groupCount = s.value;
      } else if (s.name === 'strongbox_commit_write_seconds_bucket') {
        add(d.write, s.labels.le, s.value);
      } else if (s.name === 'strongbox_commit_queue_pending') {
        d.pending += s.value;
      }
    }
    return d;
  }

  // Bucket maps {le: count} of two scrapes → sorted [[le, count in between]].
  function bucketDelta(now, before) {
    const out = [];
    for (const le of Object.keys(now || {})) {
      out.push([le === '+Inf' ? Infinity : Number(le), now[le] - ((before || {})[le] || 0)]);
    }
    return out.sort((a, b) => a[0] - b[0]);
  }

  // Keeps the last `capacity` points of each series computed from consecutive scrapes.
  class Recorder {
    constructor(capacity) {
      this.capacity = capacity;
      this.previous = null;
      this.points = [];  // [{t (ms), rps: {family: n}, errorPct, p50, p99, group, writeP50, …}]
    }

    // `text`: one /metrics answer, scraped at `t` (ms since epoch).
    add(text, t) {
      const d = digest(parseMetrics(text));
      const prev = this.previous;
      this.previous = { t, d };
      if (!prev || t <= prev.t) return;
      const seconds = (t - prev.t) / 1000;
      const point = { t, rps: {}, errorPct: {}, throttledPct: {}, p99: {}, p50: {} };
      for (const family of Object.keys(d.requests)) {
        const n = d.requests[family] - (prev.d.requests[family] || 0);
        if (family === 'admin' || family === 'console') continue;  // the console's own polling
        point.rps[family] = n / seconds;
        const errors = (d.errors[family] || 0) - (prev.d.errors[family] || 0);
        const throttled = (d.throttled[family] || 0) - (prev.d.throttled[family] || 0);
        point.errorPct[family] = n > 0 ? (100 * errors) / n : 0;
        point.throttledPct[family] = n > 0 ? (100 * throttled) / n : 0;
        const buckets = bucketDelta(d.latency[family], prev.d.latency[family]);
        const p99 = quantile(0.99, buckets);
        const p50 = quantile(0.5, buckets);
        if (p99 !== null) point.p99[family] = p99 * 1000;
        if (p50 !== null) point.p50[family] = p50 * 1000;
      }
      const groups = d.groupCount - prev.d.groupCount;
      point.groupMean = groups > 0 ? (d.groupSum - prev.d.groupSum) / groups : 0;
      point.groupsPerSecond = groups / seconds;
      const write = bucketDelta(d.write, prev.d.write);
      const w50 = quantile(0.5, write);
      const w99 = quantile(0.99, write);
      point.writeP50 = w50 === null ? 0 : w50 * 1000;
      point.writeP99 = w99 === null ? 0 : w99 * 1000;
      point.pending = d.pending;
      this.points.push(point);
      if (this.points.length > this.capacity) this.points.shift();
    }

    // [{name, points: [[t, v]]}] for a per-family field ('rps', 'errorPct', 'p99', …).
    byFamily(field) {
      const names = new Set();
      for (const p of this.points) Object.keys(p[field]).forEach((k) => names.add(k));
      return [...names].sort().map((name) => ({
        name,
        points: this.points.filter((p) => name in p[field]).map((p) => [p.t, p[field][name]]),
      }));
    }

    series(name, field) {
      return { name, points: this.points.map((p) => [p.t, p[field]]) };
    }
  }

  function svg(tag, attrs) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    return e;
  }

  function formatValue(v, unit) {
    if (v >= 1000) return `${(v / 1000).toFixed(1)}k${unit}`;
    if (v >= 10 || v === 0) return `${Math.round(v)}${unit}`;
    return `${v.toFixed(v >= 1 ? 1 : 2)}${unit}`;
  }

  // A line chart of `series` ([{name, points: [[t ms, value]]}]) into a new element.
  function lineChart(title, series, unit) {
    const box = document.createElement('div');
    box.className = 'card chart';
    box.dataset.chart = title;
    const h = document.createElement('h2');
    h.textContent = title;
    box.appendChild(h);
    const width = 560;
    const height = 200;
    const left = 48;
    const bottom = 20;
    const all = series.flatMap((s) => s.points);
    const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img' });
    root.appendChild(svg('line', { class: 'axis', x1: left, y1: height - bottom, x2: width,
      y2: height - bottom }));
    if (all.length === 0) {
      const t = svg('text', { x: left + 10, y: height / 2 });
      t.textContent = 'Collecting samples…';
      root.appendChild(t);
    } else {
      const t0 = Math.min(...all.map((p) => p[0]));
      const t1 = Math.max(...all.map((p) => p[0]), t0 + 1);
      const vmax = Math.max(...all.map((p) => p[1]), 1) * 1.1;
      const x = (t) => left + ((t - t0) / (t1 - t0)) * (width - left - 4);
      const y = (v) => height - bottom - (v / vmax) * (height - bottom - 8);
      for (const frac of [0, 0.5, 1]) {
        const v = vmax * frac;
        root.appendChild(svg('line', { class: 'axis', x1: left, y1: y(v), x2: width, y2: y(v) }));
        const label = svg('text', { x: 2, y: y(v) + 4 });
        label.textContent = formatValue(v, unit);
        root.appendChild(label);
      }
      const span = svg('text', { x: left, y: height - 4 });
      span.textContent = `last ${Math.round((t1 - t0) / 1000)} s`;
      root.appendChild(span);
      series.forEach((s, i) => {
        const line = svg('polyline', {
          class: `s${i % 6}`,
          points: s.points.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' '),
        });
        root.appendChild(line);
      });
    }
    box.appendChild(root);
    const legend = document.createElement('div');
    legend.className = 'legend';
    series.forEach((s, i) => {
      const item = document.createElement('span');
      const swatch = document.createElement('span');
      swatch.className = `swatch s${i % 6}`;
      item.appendChild(swatch);
      const last = s.points.length ? s.points[s.points.length - 1][1] : null;
      item.appendChild(document.createTextNode(
        last === null ? s.name : `${s.name}: ${formatValue(last, unit)}`));
      legend.appendChild(item);
    });
    box.appendChild(legend);
    return box;
  }

  return { parseMetrics, familyOf, quantile, Recorder, lineChart };
})();
