/* netcomplaint map: layers over the /v1/map API. Leaflet and MarkerCluster come from the
   xstatic packages served by the app; nothing is fetched from anywhere else unless a base-map
   tile URL is configured. `window.nc` exposes the map and its state (tests, benchmarks). */
(function () {
  "use strict";
  const CONFIG = JSON.parse(document.getElementById("nc-config").textContent);
  const KEY = "nc-api-key";
  const CAUSE_COLOURS = {
    weak_coverage: "#d95f02", interference: "#7570b3", congestion: "#e7298a", outage: "#b3261e",
    terminal_sim: "#66a61e", roaming_registration: "#1b9e77", no_fault_found: "#8c96a0",
    undiagnosed: "#3b4754",
  };
  const STATE_COLOURS = { ok: "#2e9d4f", bad: "#d7301f", unknown: "#9aa5b1" };
  const AREA_COLOURS = {
    blind_spot: "#222222", weak_coverage: "#d95f02", planned_site: "#1565c0",
    interference_source: "#7570b3", event_venue: "#f9a825", planned_cell: "#1565c0",
  };
  const Z_STOPS = [[16, "#67000d"], [8, "#cb181d"], [4, "#fb6a4a"], [0, "#fcbba1"]];
  const WEAK_STOPS = [[0.3, "#b2182b"], [0.1, "#ef8a62"], [0.05, "#fddbc7"], [0, "#67a9cf"]];
  const nc = (window.nc = { ready: false, stats: {}, errors: [], loads: 0 });
  let map = null;
  let canvas = null;
  const layers = {};
  const ORDER = ["mr", "areas", "hotspots", "cells", "complaints"]; // bottom to top
  let cellLayers = new Map();
  let moveTimer = null; // a reload after the map moved is scheduled while this is set

  class AuthError extends Error {}
  const $ = (id) => document.getElementById(id);
  const esc = (v) => String(v === null || v === undefined ? "—" : v)
    .replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  const num = (v, d) => (v === null || v === undefined ? "—" : Number(v).toFixed(d));
  const ramp = (stops, v) => (stops.find(([t]) => v >= t) || stops[stops.length - 1])[1];
  const status = (text) => ($("status").textContent = text);

  async function api(path, params) {
    const key = sessionStorage.getItem(KEY);
    if (!key) throw new AuthError("");
    const url = new URL(path, window.location.origin);
    for (const [k, v] of Object.entries(params || {})) {
      if (v !== null && v !== undefined && v !== "") url.searchParams.set(k, v);
    }
    const response = await fetch(url, { headers: { Authorization: "Bearer " + key } });
    if (response.status === 401) {
      sessionStorage.removeItem(KEY);
      throw new AuthError("The key was refused; enter a valid one.");
    }
    const body = await response.json().catch(() => null);
    if (!response.ok) throw new Error(body && body.error ? body.error.message : response.statusText);
    return body;
  }

  function askKey(message) {
    $("key-error").textContent = message || "";
    if (!$("key-dialog").open) $("key-dialog").showModal();
    $("key-input").focus();
  }

  // ---- filters ---------------------------------------------------------------------------
  function period() {
    const to = new Date($("f-to").value + "T00:00:00Z");
    to.setUTCDate(to.getUTCDate() + 1);
    return { from: $("f-from").value + "T00:00:00Z", to: to.toISOString() };
  }
  function setPeriod(p) {
    const to = new Date(p.to);
    to.setUTCDate(to.getUTCDate() - 1);
    $("f-from").value = p.from.slice(0, 10);
    $("f-to").value = to.toISOString().slice(0, 10);
  }
  function initFilters() {
    for (const c of CONFIG.causes.filter((c) => c !== "undiagnosed")) {
      $("f-cause").add(new Option(c.replace(/_/g, " "), c));
    }
    for (const k of CONFIG.kpis) $("f-kpi").add(new Option(k.label, k.name));
    $("f-kpi").value = CONFIG.defaultKpi;
    const today = new Date();
    const from = new Date(today.getTime() - CONFIG.defaultDays * 86400000);
    setPeriod(nc.session.period || { from: from.toISOString(), to: today.toISOString() });
    $("f-apply").addEventListener("click", () => loadAll());
    $("f-kpi").addEventListener("change", () => track(loadCellStates()));
  }
  function bbox() {
    const b = map.getBounds();
    const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v)).toFixed(6);
    return [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90),
      clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)].join(",");
  }
  const view = () => ({ ...period(), bbox: bbox(), zoom: map.getZoom() });

  // ---- map ------------------------------------------------------------------------------
  function initMap() {
    map = L.map("map", { preferCanvas: true, zoomControl: true, minZoom: 2, maxZoom: 19 });
    if (CONFIG.tileUrl) {
      L.tileLayer(CONFIG.tileUrl, { attribution: CONFIG.tileAttribution, maxZoom: 19 }).addTo(map);
    }
    // One canvas for every vector layer: it hit-tests the topmost shape under the pointer
    // (stacked canvases would swallow each other's clicks); restack() keeps the draw order.
    canvas = L.canvas({ padding: 0.3, tolerance: 3 });
    for (const name of ORDER) layers[name] = L.layerGroup().addTo(map);
    L.control.layers(null, {
      "Cell sectors (KPI state)": layers.cells, "Complaints (by cause)": layers.complaints,
      "Hotspots (Gi* z)": layers.hotspots, "MR coverage (weak share)": layers.mr,
      "Known areas, planned sites": layers.areas,
    }, { collapsed: false, position: "topright" }).addTo(map);
    L.control.scale({ imperial: false }).addTo(map);
    legend().addTo(map);
  }
  function followMoves() {
    map.on("moveend", () => {
      nc.ready = false; // a reload follows shortly
      document.body.dataset.ready = "0";
      clearTimeout(moveTimer);
      moveTimer = setTimeout(() => { moveTimer = null; track(loadViewLayers()); }, 250);
    });
  }
  function restack() {
    const back = (layer) => {
      if (layer.bringToBack) layer.bringToBack();
      else if (layer.eachLayer) layer.eachLayer(back);
    };
    for (const name of [...ORDER].reverse().slice(1)) layers[name].eachLayer(back); // complaints stay on top
  }

  function legend() {
    const control = L.control({ position: "bottomright" });
    control.onAdd = () => {
      const div = L.DomUtil.create("div", "nc-legend");
      const row = (colour, label) => `<div><i style="background:${colour}"></i>${esc(label)}</div>`;
      div.innerHTML = "<h4>Complaint cause</h4>" +
        Object.entries(CAUSE_COLOURS).map(([k, c]) => row(c, k.replace(/_/g, " "))).join("") +
        "<h4>Cell KPI state</h4>" +
        row(STATE_COLOURS.ok, "normal") + row(STATE_COLOURS.bad, "abnormal") +
        row(STATE_COLOURS.unknown, "no data") +
        "<h4>Hotspot Gi* z</h4>" + Z_STOPS.map(([t, c]) => row(c, "z ≥ " + t)).join("") +
        "<h4>MR weak-coverage share</h4>" +
        WEAK_STOPS.map(([t, c]) => row(c, "≥ " + Math.round(t * 100) + " %")).join("") +
        "<h4>Known areas</h4>" +
        Object.entries(AREA_COLOURS).map(([k, c]) => row(c, k.replace(/_/g, " "))).join("");
      L.DomEvent.disableClickPropagation(div);
      return div;
    };
    return control;
  }

  function track(promise) {
    nc.loads += 1;
    nc.ready = false;
    document.body.dataset.ready = "0";
    return promise.catch(fail).finally(() => {
      nc.loads -= 1;
      if (nc.loads === 0 && moveTimer === null) {
        restack();
        if (nc.readyAt === undefined) nc.readyAt = performance.now();
        nc.ready = true;
        document.body.dataset.ready = "1";
        const s = nc.stats;
        status(`cells ${s.cells ?? 0} (${s.cellMode ?? "-"}) · complaints ${s.complaintTotal ?? 0}` +
          ` (${s.complaintMode ?? "-"}) · hotspots ${s.hotspots ?? "-"} · MR hexes ${s.mr ?? 0}${s.mrNote ?? ""}`);
      }
    });
  }
  function fail(err) {
    if (err instanceof AuthError) { askKey(err.message); return; }
    nc.errors.push(String(err.message || err));
    status("error: " + (err.message || err));
  }

  function loadAll() {
    return track(Promise.all([loadHotspots(), loadAreas(), loadViewLayers()]));
  }
  function loadViewLayers() {
    return Promise.all([loadCells().then(loadCellStates), loadComplaints(), loadMr()]);
  }

  // ---- cells ----------------------------------------------------------------------------
  function wedge(lat, lon, az, bw, r) {
    const points = [[lat, lon]];
    const steps = Math.max(3, Math.ceil(bw / 12));
    const dLat = r / 111320;
    const dLon = r / (111320 * Math.cos((lat * Math.PI) / 180));
    for (let i = 0; i <= steps; i += 1) {
      const a = ((az - bw / 2 + (bw * i) / steps) * Math.PI) / 180;
      points.push([lat + dLat * Math.cos(a), lon + dLon * Math.sin(a)]);
    }
    return points;
  }
  async function loadCells() {
    const data = await api("/v1/map/cells", { bbox: bbox(), zoom: map.getZoom() });
    layers.cells.clearLayers();
    cellLayers = new Map();
    const centre = map.getCenter();
    const mpp = (156543.03 * Math.cos((centre.lat * Math.PI) / 180)) / 2 ** map.getZoom();
    const r = Math.min(600, Math.max(25, mpp * 16));
    const style = { renderer: canvas, color: "#33414f", weight: 0.6, fillColor: STATE_COLOURS.unknown, fillOpacity: 0.75 };
    for (const row of data.rows) {
      if (data.mode === "cells") {
        const [id, site, lat, lon, az, bw, tech, st] = row;
        const dashed = st === "planned" ? { dashArray: "3 3", fillOpacity: 0.15 } : {};
        const shape = az === null || bw >= 360
          ? L.circle([lat, lon], { ...style, ...dashed, radius: r / 3 })
          : L.polygon(wedge(lat, lon, az, bw, r), { ...style, ...dashed });
        shape.on("click", (e) => openCell(e.latlng, id, site, tech, st));
        cellLayers.set(id, shape);
        layers.cells.addLayer(shape);
      } else {
        const [n, sites, lat, lon] = row;
        layers.cells.addLayer(L.circleMarker([lat, lon], {
          renderer: canvas, radius: 3 + Math.min(8, Math.log2(n)), color: "#33414f",
          weight: 1, fillColor: "#9aa5b1", fillOpacity: 0.8,
        }).bindTooltip(`${n} cells on ${sites} sites — zoom in for sectors`));
      }
    }
    nc.stats.cells = data.rows.length;
    nc.stats.cellMode = data.mode;
  }
  async function loadCellStates() {
    if (!cellLayers.size) return;
    const data = await api("/v1/map/cell-states", { ...period(), bbox: bbox(), kpi: $("f-kpi").value });
    for (const [id, layer] of cellLayers) {
      const got = data.cells[id];
      layer.setStyle({ fillColor: STATE_COLOURS[got ? got[1] : "unknown"] });
    }
    nc.stats.cellStates = Object.keys(data.cells).length;
  }
  async function openCell(latlng, id, site, tech, st) {
    const popup = L.popup({ maxWidth: 320 }).setLatLng(latlng)
      .setContent(`<div class="nc-popup"><h3>${esc(id)}</h3>loading KPIs…</div>`).openOn(map);
    try {
      const s = await api(`/v1/map/cells/${encodeURIComponent(id)}/sparkline`, { ...period(), kpi: $("f-kpi").value });
      popup.setContent(`<div class="nc-popup"><h3>${esc(id)}</h3>site ${esc(site)} · ${esc(tech)} · ${esc(st)}` +
        `<div>${esc(s.label)}: worst ${num(s.worst, 2)} ${esc(s.unit)} ` +
        `<span class="${s.state}">(${esc(s.state)}; threshold ${num(s.threshold, 1)})</span></div>` +
        sparkSvg(s) + `<small>${s.v.length} points of ${Math.round(s.bucket_s / 60)} min</small></div>`);
    } catch (err) {
      popup.setContent(`<div class="nc-popup"><h3>${esc(id)}</h3>${esc(err.message)}</div>`);
    }
  }
  function sparkSvg(s) {
    const values = s.v.filter((v) => v !== null);
    if (!values.length) return "<div>no KPI data in the period</div>";
    const lo = Math.min(...values, s.threshold);
    const hi = Math.max(...values, s.threshold);
    const [w, h] = [260, 56];
    const y = (v) => (h - 4 - ((v - lo) / (hi - lo || 1)) * (h - 8)).toFixed(1);
    const x = (i) => ((i / Math.max(1, s.v.length - 1)) * (w - 2) + 1).toFixed(1);
    const pts = s.v.map((v, i) => (v === null ? null : `${x(i)},${y(v)}`)).filter(Boolean).join(" ");
    return `<svg class="nc-spark" width="${w}" height="${h}" role="img" aria-label="sparkline">` +
      `<rect width="${w}" height="${h}" fill="#f6f8fa"/>` +
      `<line x1="0" x2="${w}" y1="${y(s.threshold)}" y2="${y(s.threshold)}" stroke="#d7301f" stroke-dasharray="3 3"/>` +
      `<polyline fill="none" stroke="#1565c0" stroke-width="1.5" points="${pts}"/></svg>`;
  }

  // ---- complaints ---------------------------------------------------------------------------
  function clusterIcon(cluster) {
    const counts = {};
    for (const m of cluster.getAllChildMarkers()) counts[m.options.cause] = (counts[m.options.cause] || 0) + 1;
    const top = Object.entries(counts).sort((a, b) => b[1] - a[1])[0][0];
    const n = cluster.getChildCount();
    const size = 22 + Math.min(26, Math.log2(n) * 4);
    return L.divIcon({
      html: `<div class="nc-cluster" style="width:${size}px;height:${size}px;line-height:${size - 4}px;background:${CAUSE_COLOURS[top]}">${n}</div>`,
      className: "", iconSize: [size, size],
    });
  }
  async function loadComplaints() {
    const data = await api("/v1/map/complaints", { ...view(), cause: $("f-cause").value });
    layers.complaints.clearLayers();
    if (data.mode === "points") {
      const group = L.markerClusterGroup({
        showCoverageOnHover: false, maxClusterRadius: 45, // no chunks: a reload may drop the group
        disableClusteringAtZoom: 17, iconCreateFunction: clusterIcon,
      });
      group.addLayers(data.rows.map(([id, lat, lon, cause]) => L.circleMarker([lat, lon], {
        renderer: canvas, radius: 5, weight: 1, color: "#ffffff", cause: cause,
        fillColor: CAUSE_COLOURS[cause] || "#3b4754", fillOpacity: 0.95,
      }).on("click", (e) => openComplaint(e.latlng, id))));
      layers.complaints.addLayer(group);
    } else {
      for (const [n, lat, lon, cause] of data.rows) {
        layers.complaints.addLayer(L.circleMarker([lat, lon], {
          renderer: canvas, radius: 5 + Math.min(18, Math.log2(n) * 2), weight: 1.5,
          color: "#ffffff", fillColor: CAUSE_COLOURS[cause] || "#3b4754", fillOpacity: 0.8,
        }).bindTooltip(`${n} complaints, mostly ${String(cause).replace(/_/g, " ")}`)
          .on("click", (e) => map.setView(e.latlng, Math.min(18, map.getZoom() + 2))));
      }
    }
    nc.stats.complaints = data.rows.length;
    nc.stats.complaintTotal = data.total;
    nc.stats.complaintMode = data.mode;
    nc.stats.complaintSample = data.mode === "points" && data.rows.length ? data.rows[0] : null;
  }
  async function openComplaint(latlng, id) {
    const popup = L.popup({ maxWidth: 420 }).setLatLng(latlng)
      .setContent(`<div class="nc-popup"><h3>complaint ${esc(id)}</h3>loading…</div>`).openOn(map);
    try {
      const c = await api(`/v1/map/complaints/${encodeURIComponent(id)}`);
      const d = c.diagnosis;
      let html = `<div class="nc-popup"><h3>${esc(c.external_id)}: ${esc(c.symptom)}</h3>` +
        `${esc(c.reported_at)} · ${esc(c.msisdn_masked)} · ${esc(c.channel)}` +
        (c.indoor ? " · indoor" + (c.floor !== null ? ` floor ${esc(c.floor)}` : "") : "");
      if (!d) {
        html += `<p>diagnosis ${esc(c.diagnosis_status)}</p>`;
      } else {
        html += `<p><b>${esc(d.primary_cause)}</b> (${esc(d.attribution)}, confidence ${num(d.confidence, 2)})` +
          (d.work_order_id ? ` · work order ${esc(d.work_order_id)}` : "") + "</p>" +
          "<table><tr><th>check</th><th>finding</th><th>value</th><th>detail</th></tr>" +
          (d.evidence || []).map((e) => `<tr><td>${esc(e.check)}${e.cell_id ? "<br>" + esc(e.cell_id) : ""}</td>` +
            `<td class="${e.finding === "abnormal" ? "bad" : "ok"}">${esc(e.finding)}</td>` +
            `<td>${e.value === null || e.value === undefined ? "—" : esc(e.value) + " " + esc(e.unit || "")}` +
            `${e.threshold !== null && e.threshold !== undefined ? " / " + esc(e.threshold) : ""}</td>` +
            `<td>${esc(e.detail)}</td></tr>`).join("") + "</table>" +
          ((d.actions || []).length ? "<p>" + d.actions.map(esc).join("<br>") + "</p>" : "");
      }
      popup.setContent(html + "</div>");
    } catch (err) {
      popup.setContent(`<div class="nc-popup">${esc(err.message)}</div>`);
    }
  }

  // ---- hotspots, MR, areas ---------------------------------------------------------------
  async function loadHotspots() {
    layers.hotspots.clearLayers();
    if (!nc.session.hotspots) { nc.stats.hotspots = "n/a (planner key)"; return; }
    const fc = await api("/v1/hotspots", { ...period(), cause: $("f-cause").value });
    L.geoJSON(fc, {
      renderer: canvas,
      style: (f) => ({ color: "#67000d", weight: 1.5, fillColor: ramp(Z_STOPS, f.properties.z), fillOpacity: 0.45 }),
      onEachFeature: (f, layer) => layer.bindPopup(() => hotspotHtml(f.properties), { maxWidth: 420 }),
    }).addTo(layers.hotspots);
    nc.stats.hotspots = fc.features.length;
    nc.hotspots = fc;
  }
  function hotspotHtml(p) {
    const rows = (list, f) => (list || []).map(f).join("");
    const t = p.trend || {};
    return `<div class="nc-popup"><h3>Hotspot ${esc(p.id)}</h3>` +
      `${p.complaints} complaints · z ${num(p.z, 1)} · q ${esc(p.q)}` +
      (p.rate_ratio !== null ? ` · ${num(p.rate_ratio, 1)}× the expected rate` : "") +
      `<br>${p.hexagons} hexagons, ${num(p.area_km2, 2)} km² · trend ${esc(t.direction)}` +
      (t.change_pct !== null && t.change_pct !== undefined ? ` (${num(t.change_pct, 0)} %)` : "") +
      `<table><tr><th>cause</th><th>complaints</th></tr>` +
      rows(Object.entries(p.cause_counts || {}), ([k, v]) => `<tr><td>${esc(k)}</td><td>${v}</td></tr>`) +
      `</table><table><tr><th>serving cell</th><th>complaints</th></tr>` +
      rows(p.serving_cells, (c) => `<tr><td>${esc(c.cell_id)}</td><td>${c.complaints}</td></tr>`) +
      `</table><table><tr><th>worst KPI</th><th>cell</th><th>value</th></tr>` +
      rows(p.worst_kpis, (k) => `<tr><td>${esc(k.label)}</td><td>${esc(k.cell_id)}</td>` +
        `<td class="${k.state}">${esc(k.value)} ${esc(k.unit)}</td></tr>`) + "</table>" +
      (p.mr ? `<div>MR: ${p.mr.samples} samples, RSRP ${num(p.mr.rsrp_mean_dbm, 1)} dBm, weak ${num(100 * p.mr.weak_share, 0)} %</div>` : "") +
      rows(p.planned_sites, (s) => `<div>planned: ${esc(s.name)} ${s.planned_on_air ? "(" + esc(s.planned_on_air) + ")" : ""}</div>`) +
      rows(p.areas, (a) => `<div>${esc(a.kind)}: ${esc(a.name)}</div>`) +
      `<div class="reco"><b>${esc(String(p.recommendation).replace(/_/g, " "))}</b>: ${esc(p.recommendation_reason)}</div></div>`;
  }
  async function loadMr() {
    const data = await api("/v1/map/mr-grid", view());
    layers.mr.clearLayers();
    for (const [id, samples, weak, rsrp, ring] of data.rows) {
      layers.mr.addLayer(L.polygon(ring, {
        renderer: canvas, stroke: false, fillColor: weak === null ? "#9aa5b1" : ramp(WEAK_STOPS, weak), fillOpacity: 0.35,
      }).bindPopup(`<div class="nc-popup"><h3>MR grid ${esc(id)}</h3>${samples} samples · RSRP ` +
        `${num(rsrp, 1)} dBm · weak ${weak === null ? "—" : num(100 * weak, 1) + " %"}</div>`));
    }
    nc.stats.mr = data.rows.length;
    nc.stats.mrNote = data.fallback ? " (no MR in the period: all MR days)" : "";
  }
  async function loadAreas() {
    const fc = await api("/v1/map/areas", {});
    layers.areas.clearLayers();
    L.geoJSON(fc, {
      renderer: canvas,
      style: (f) => ({ color: AREA_COLOURS[f.properties.kind], weight: 2, fillOpacity: 0.12, dashArray: f.properties.kind === "planned_site" ? "6 4" : null }),
      pointToLayer: (f, latlng) => L.circleMarker(latlng, { renderer: canvas, radius: 7, dashArray: "2 2", fillOpacity: 0.25 }),
      onEachFeature: (f, layer) => layer.bindPopup(`<div class="nc-popup"><h3>${esc(f.properties.kind.replace(/_/g, " "))}: ` +
        `${esc(f.properties.name)}</h3>${esc(f.properties.note)}` +
        (f.properties.planned_on_air ? `<br>on air ${esc(f.properties.planned_on_air)}` : "") + "</div>"),
    }).addTo(layers.areas);
    nc.stats.areas = fc.features.length;
  }

  // ---- start ---------------------------------------------------------------------------
  async function start() {
    try {
      nc.session = await api("/v1/map/session");
    } catch (err) {
      fail(err);
      return;
    }
    const first = !map;
    if (first) { initMap(); initFilters(); }
    nc.map = map;
    const b = nc.session.bounds;
    if (b) map.fitBounds(b, { animate: false }); else map.setView([20, 0], 2, { animate: false });
    if (first) followMoves();
    await loadAll();
  }
  $("key-form").addEventListener("submit", () => {
    sessionStorage.setItem(KEY, $("key-input").value.trim());
    start();
  });
  $("f-signout").addEventListener("click", () => { sessionStorage.removeItem(KEY); window.location.reload(); });
  if (sessionStorage.getItem(KEY)) start(); else askKey("");
})();
