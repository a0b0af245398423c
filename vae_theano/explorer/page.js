// The explorer page: a trained VAE's encoder and decoder, run in the browser.
// vae_theano/explorer/__init__.py writes the model into the page as JSON; this
// script reads it, does the model's maths (vae_theano.vae.VAE.encoder and
// .decoder, in doubles from the stored weights) and draws the pictures.
"use strict";
(function () {
  const MODEL = JSON.parse(document.getElementById("model").textContent);
  const NZ = MODEL.nLatent;
  const D = MODEL.features;
  const [HEIGHT, WIDTH] = MODEL.imageShape;  // of one image, in pixels

  // -- the stored arrays ---------------------------------------------------

  /** An array that explorer.encode_array stored: base64 of little-endian floats. */
  function readArray(stored) {
    const text = atob(stored.data);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    const values = stored.dtype === "float64" ? new Float64Array(bytes.buffer) : new Float32Array(bytes.buffer);
    return {values, shape: stored.shape};
  }

  const P = {};
  for (const [name, stored] of Object.entries(MODEL.params)) P[name] = readArray(stored).values;
  const HE = MODEL.params.b_xh.shape[0];  // hu_encoder
  const HD = MODEL.params.b_zh.shape[0];  // hu_decoder
  const [W_MEAN, B_MEAN] = MODEL.decoderMean;  // the decoder's mean layer: W_hx, b_hx or W_hxmu, b_hxmu

  // -- the model: encoder q(z|x) and decoder p(x|z) --------------------------

  const relu = v => (v < 0 ? 0 : v);  // the original's: x where x >= 0
  const identity = v => v;
  const sigmoid = v => 1 / (1 + Math.exp(-v));
  const softplus = v => (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v)));  // log(1 + e^v)
  const hidden = {relu, tanh: Math.tanh, softplus}[MODEL.activation];
  if (!hidden) throw new Error(`the page knows relu, tanh and softplus units, not ${MODEL.activation}`);

  /** f(x W + b): x (nIn), W (nIn, nOut) row-major, b (nOut) -> Float64Array (nOut). */
  function affine(x, w, b, nOut, f) {
    const y = new Float64Array(nOut);
    for (let i = 0; i < x.length; i++) {
      const xi = x[i];
      if (xi === 0) continue;  // ReLU's zeros, and a drawing's empty pixels
      const row = i * nOut;
      for (let j = 0; j < nOut; j++) y[j] += xi * w[row + j];
    }
    for (let j = 0; j < nOut; j++) y[j] = f(y[j] + b[j]);
    return y;
  }

  /** The decoder's means at z (NZ): Bernoulli probabilities, or the Gaussian's mean. */
  function decodeMean(z) {
    const h = affine(z, P.W_zh, P.b_zh, HD, hidden);
    const out = MODEL.continuous && !MODEL.boundedMean ? identity : sigmoid;
    return affine(h, P[W_MEAN], P[B_MEAN], D, out);
  }

  /** The posterior's parameters for x (D): {mu, logSigma}, logSigma a log-variance. */
  function encodeMean(x) {
    const h = affine(x, P.W_xh, P.b_xh, HE, hidden);
    return {mu: affine(h, P.W_hmu, P.b_hmu, NZ, identity), logSigma: affine(h, P.W_hsigma, P.b_hsigma, NZ, identity)};
  }

  /** values as n finite numbers (and within [low, high] if given), or a TypeError that says why. */
  function checked(what, values, n, low, high) {
    if (!values || typeof values.length !== "number" || values.length !== n) {
      const got = values && values.length !== undefined ? values.length : typeof values;
      throw new TypeError(`${what} must be ${n} numbers, got ${got}`);
    }
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (typeof v !== "number" || !Number.isFinite(v) || (low !== undefined && (v < low || v > high))) {
        throw new TypeError(`${what}[${i}] is ${typeof v === "string" ? JSON.stringify(v) : String(v)}: ` +
          (low !== undefined ? `values must be finite numbers in [${low}, ${high}]` : "values must be finite numbers"));
      }
      out[i] = v;
    }
    return out;
  }

  // The page's face for scripts and tests, as Python's vae.decode and vae.encode_mean.
  window.vae = Object.freeze({
    nLatent: NZ, features: D, imageShape: [HEIGHT, WIDTH],
    decode: z => Array.from(decodeMean(checked("vae.decode: z", z, NZ))),
    encode: x => {
      const e = MODEL.continuous ? encodeMean(checked("vae.encode: x", x, D))
        : encodeMean(checked("vae.encode: x", x, D, 0, 1));  // the Bernoulli decoder's data lie in [0, 1]
      return {mu: Array.from(e.mu), logSigma: Array.from(e.logSigma)};
    },
  });

  // -- the standard normal's CDF and its inverse ----------------------------

  /** Phi(x), from erfc (Numerical Recipes' erfcc, a Chebyshev fit good to 1.2e-7). */
  function normalCdf(x) {
    const t = 1 / (1 + 0.5 * Math.abs(x) / Math.SQRT2);
    const y = t * Math.exp(-x * x / 2 - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
      t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 +
      t * 0.17087277)))))))));
    return x >= 0 ? 1 - y / 2 : y / 2;
  }

  /** Phi^-1(p), 0 < p < 1: P. J. Acklam's algorithm (relative error below 1.2e-9). */
  function normalPpf(p) {
    const a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
      1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
    const b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
      6.680131188771972e+01, -1.328068155288572e+01];
    const c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
      -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
    const d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
    const tail = q => (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
    if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
    const q = p - 0.5, r = q * q;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
      (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }

  // -- the state: one point z, what was drawn, and the line's ends ------------

  const state = {
    z: new Float64Array(NZ),            // the point decoded in the big picture
    pinned: new Float64Array(NZ),       // where z returns when the pointer leaves the pad (hovering previews)
    drawing: new Float64Array(D),       // x, the drawing canvas's pixels, in [0, 1]
    encoded: null,                      // {mu, logSigma} of the drawing, once there is one
    a: null, b: null,                   // the line's ends
    t: null,                            // where z is on the line, null when z is elsewhere
    lineImages: null,                   // the line's decoded images, kept until an end moves
  };

  const PRINCIPAL = MODEL.principal && {
    mean: Float64Array.from(MODEL.principal.mean),
    directions: MODEL.principal.directions.map(row => Float64Array.from(row)),
    scales: Float64Array.from(MODEL.principal.scales),
  };

  /** Coefficients c of z along the principal directions: c = (z - mean) directions^T. */
  function toPrincipal(z) {
    return PRINCIPAL.directions.map(v => v.reduce((s, vi, i) => s + vi * (z[i] - PRINCIPAL.mean[i]), 0));
  }

  /** The latent point of principal coefficients c: z = mean + c directions. */
  function fromPrincipal(c) {
    const z = Float64Array.from(PRINCIPAL.mean);
    c.forEach((ci, k) => PRINCIPAL.directions[k].forEach((v, i) => { z[i] += ci * v; }));
    return z;
  }

  // -- pictures ------------------------------------------------------------

  const BLANK = new Float64Array(D);
  const grey = v => Math.round(255 * Math.min(1, Math.max(0, v)));  // the canvas's 8 bits

  /** Images (each D values, in [0, 1] shown black to white) side by side on one canvas. */
  function showImages(canvas, images, columns) {
    columns = columns || images.length;
    const rows = Math.ceil(images.length / columns);
    if (canvas.width !== columns * WIDTH || canvas.height !== rows * HEIGHT) {
      canvas.width = columns * WIDTH;
      canvas.height = rows * HEIGHT;
    }
    const context = canvas.getContext("2d");
    const picture = context.createImageData(canvas.width, canvas.height);
    images.forEach((image, k) => {
      const top = Math.floor(k / columns) * HEIGHT, left = (k % columns) * WIDTH;
      for (let r = 0; r < HEIGHT; r++) {
        for (let c = 0; c < WIDTH; c++) {
          const g = grey(image[r * WIDTH + c]), o = 4 * ((top + r) * canvas.width + left + c);
          picture.data[o] = picture.data[o + 1] = picture.data[o + 2] = g;
          picture.data[o + 3] = 255;
        }
      }
    });
    context.putImageData(picture, 0, 0);
  }

  const $ = id => document.getElementById(id);
  const fmt = v => v.toFixed(3);
  const TAB10 = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf"];  // matplotlib's, as plots.plot_latent colours the digits

  $("description").textContent = MODEL.description;
  $("decoded-caption").textContent = MODEL.continuous
    ? "The Gaussian decoder's mean μ(z) of each pixel" +
      (MODEL.boundedMean ? " (a sigmoid: it lies in (0, 1))" : ", clipped to [0, 1] for the screen") +
      ", black 0 to white 1; the decoder's variance is not drawn."
    : "Each pixel's probability p(xᵢ = 1 | z) under the Bernoulli decoder, black 0 to white 1.";

  // -- the pad: the latent plane (N_z = 2), or the points' principal plane ---------

  const pad = $("pad");
  const POINTS = MODEL.points && readArray(MODEL.points).values;
  const nPoints = POINTS ? POINTS.length / NZ : 0;
  const hasPad = NZ === 2 || PRINCIPAL !== null;
  const CLAMP = 0.001;  // the pad's edge: Phi^-1(0.001) = -3.09 (N_z = 2)
  const SPAN = 3;  // the principal pad spans +-3 standard deviations of the points
  const GRID = 20;  // the background: GRID x GRID decoded images, as plots.plot_manifold

  /** The pad's (x, y) in [0, 1]^2, y down, of latent point z. */
  function padPosition(z) {
    if (NZ === 2) return [normalCdf(z[0]), 1 - normalCdf(z[1])];
    const c = toPrincipal(z);
    return [0.5 + c[0] / (2 * SPAN * PRINCIPAL.scales[0]), 0.5 - c[1] / (2 * SPAN * PRINCIPAL.scales[1])];
  }

  /** The latent point at the pad's (x, y) in [0, 1]^2: N_z = 2, z = Phi^-1 of each (y up);
   * else the first two principal coefficients, the others kept from ``z``. */
  function padPoint(x, y, z) {
    if (NZ === 2) {
      const clamp = u => Math.min(1 - CLAMP, Math.max(CLAMP, u));
      return Float64Array.of(normalPpf(clamp(x)), normalPpf(clamp(1 - y)));
    }
    const c = toPrincipal(z);
    c[0] = (x - 0.5) * 2 * SPAN * PRINCIPAL.scales[0];
    c[1] = (0.5 - y) * 2 * SPAN * PRINCIPAL.scales[1];
    return fromPrincipal(c);
  }

  let padBackground = null;  // the decoded grid and the points, drawn once

  /** The pad's still part, drawn once: decoded images on a GRID x GRID grid of it, then the points. */
  function drawPadBackground() {
    padBackground = document.createElement("canvas");
    padBackground.width = pad.width;
    padBackground.height = pad.height;
    const context = padBackground.getContext("2d");
    context.fillStyle = "#000";
    context.fillRect(0, 0, pad.width, pad.height);
    const images = [];
    const base = NZ === 2 ? null : Float64Array.from(PRINCIPAL.mean);
    for (let row = 0; row < GRID; row++) {
      for (let column = 0; column < GRID; column++) {
        images.push(decodeMean(padPoint((column + 0.5) / GRID, (row + 0.5) / GRID, base)));
      }
    }
    const grid = document.createElement("canvas");
    showImages(grid, images, GRID);
    context.globalAlpha = 0.55;
    context.imageSmoothingEnabled = true;
    context.drawImage(grid, 0, 0, pad.width, pad.height);
    context.globalAlpha = 0.6;
    for (let k = 0; k < nPoints; k++) {
      const [x, y] = padPosition(POINTS.subarray(k * NZ, (k + 1) * NZ));
      context.fillStyle = MODEL.labels ? TAB10[MODEL.labels[k]] : "#ffb000";
      context.beginPath();
      context.arc(x * pad.width, y * pad.height, 1.6, 0, 2 * Math.PI);
      context.fill();
    }
    context.globalAlpha = 1;
  }

  /** A ring at latent point z on the pad, with a label beside it if given. */
  function marker(context, z, colour, label) {
    const [x, y] = padPosition(z);
    context.strokeStyle = colour;
    context.fillStyle = colour;
    context.lineWidth = 2;
    context.beginPath();
    context.arc(x * pad.width, y * pad.height, 5, 0, 2 * Math.PI);
    context.stroke();
    if (label) {
      context.font = "bold 13px system-ui, sans-serif";
      context.fillText(label, x * pad.width + 7, y * pad.height - 7);
    }
  }

  /** The pad: its still part, the line from A to B, the drawing's posterior, and z. */
  function drawPad() {
    if (!hasPad) return;
    const context = pad.getContext("2d");
    context.drawImage(padBackground, 0, 0);
    if (state.a && state.b) {  // the straight line in z, wherever the pad bends it
      context.strokeStyle = "#ffd54f";
      context.lineWidth = 1.5;
      context.beginPath();
      for (let k = 0; k <= 64; k++) {
        const [x, y] = padPosition(state.a.map((a, i) => a + (k / 64) * (state.b[i] - a)));
        k ? context.lineTo(x * pad.width, y * pad.height) : context.moveTo(x * pad.width, y * pad.height);
      }
      context.stroke();
    }
    if (state.a) marker(context, state.a, "#ffd54f", "A");
    if (state.b) marker(context, state.b, "#ffd54f", "B");
    if (state.encoded && NZ === 2) {  // the posterior's mean, and one standard deviation each way
      const {mu, logSigma} = state.encoded;
      const s = logSigma.map(l => Math.exp(l / 2));
      context.strokeStyle = "#fff";
      context.lineWidth = 1;
      context.beginPath();
      const bars = [[[mu[0] - s[0], mu[1]], [mu[0] + s[0], mu[1]]], [[mu[0], mu[1] - s[1]], [mu[0], mu[1] + s[1]]]];
      for (const [from, to] of bars) {
        const [x0, y0] = padPosition(from), [x1, y1] = padPosition(to);
        context.moveTo(x0 * pad.width, y0 * pad.height);
        context.lineTo(x1 * pad.width, y1 * pad.height);
      }
      context.stroke();
    }
    marker(context, state.z, "#ff3b30");
  }

  if (hasPad) {
    const share = i => (100 * PRINCIPAL.scales[i] ** 2 / PRINCIPAL.scales.reduce((s, v) => s + v * v, 0)).toFixed(0);
    const shown = nPoints ? ` Dots: the posterior means of ${nPoints} held-out images` +
      (MODEL.labels ? ", coloured by label." : ".") : "";
    $("pad-title").textContent = NZ === 2 ? "The latent plane" : "The principal plane";
    $("pad-caption").textContent = (NZ === 2
      ? "z₁ left to right, z₂ bottom to top, spaced by the prior's quantiles as in figure 4 of the paper: " +
        "equal areas hold equal prior mass."
      : `The plane of the first two principal directions of the held-out posterior means (${share(0)}% and ` +
        `${share(1)}% of their variance), ±${SPAN} standard deviations; the pad moves z in this plane and ` +
        "keeps its other principal coefficients.") +
      " Hover to look, click or drag to move z there. Behind: the decoder's means on a " +
      `${GRID} × ${GRID} grid` + (NZ === 2 ? "." : ", the other coefficients at the mean's.") + shown;
    if (MODEL.labels) {
      $("legend").replaceChildren(...TAB10.map((colour, digit) => {
        const span = document.createElement("span");
        span.style.color = colour;
        span.textContent = digit;
        return span;
      }));
    }
    const pointed = event => {
      const rect = pad.getBoundingClientRect();
      return padPoint((event.clientX - rect.left) / rect.width, (event.clientY - rect.top) / rect.height, state.pinned);
    };
    // Hovering previews a point; pressing (or dragging, or a touch) moves z there.
    pad.addEventListener("pointermove", event => {
      if (event.buttons) {
        setZ(pointed(event));
      } else if (event.pointerType === "mouse") {
        previewZ(pointed(event));
      }
    });
    pad.addEventListener("pointerdown", event => {
      pad.setPointerCapture(event.pointerId);
      setZ(pointed(event));
    });
    pad.addEventListener("pointerleave", () => previewZ(state.pinned));
  } else {
    $("pad-panel").classList.add("hidden");
  }

  // -- the sliders: one per latent dimension, or per principal direction ------

  const sliders = [];
  for (let i = 0; i < NZ; i++) {
    const label = document.createElement("label");
    const input = document.createElement("input");
    const value = document.createElement("span");
    input.type = "range";
    input.id = `slider-${i}`;
    label.htmlFor = input.id;
    input.addEventListener("input", () => {
      const v = Number(input.value);
      if (principalMode()) {
        const c = toPrincipal(state.z);
        c[i] = v;
        setZ(fromPrincipal(c));
      } else {
        const z = Float64Array.from(state.z);
        z[i] = v;
        setZ(z);
      }
    });
    $("sliders").append(label, input, value);
    sliders.push({label, input, value});
  }
  const principalMode = () => $("principal").checked;
  if (!PRINCIPAL) $("mode-switch").classList.add("hidden");

  /** Each slider's range, step and name, for the mode the switch is in. */
  function setSliderRanges() {
    sliders.forEach(({label, input}, i) => {
      const scale = principalMode() ? PRINCIPAL.scales[i] : 1;
      input.min = -4 * scale;
      input.max = 4 * scale;
      input.step = scale / 100;
      label.textContent = principalMode() ? `d${i + 1}` : `z${i + 1}`;
      label.title = principalMode() ? `principal direction ${i + 1} (±4 standard deviations of the points)`
        : `latent dimension ${i + 1} (±4 prior standard deviations)`;
    });
  }
  $("principal").addEventListener("change", () => { setSliderRanges(); render(); });

  /** The sliders at z: they show it rounded to their step; z itself is not rounded. */
  function drawSliders() {
    const values = principalMode() ? toPrincipal(state.z) : Array.from(state.z);
    sliders.forEach(({input, value}, i) => {
      input.value = values[i];
      value.textContent = fmt(values[i]);
    });
  }

  /** One draw from N(0, 1) (Box-Muller). */
  function sampleStandardNormal() {
    return Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
  }
  $("sample").addEventListener("click", () => setZ(Float64Array.from({length: NZ}, sampleStandardNormal)));

  // -- drawing: a pen like MNIST's strokes, anti-aliased, about 3 pixels wide ----------

  const drawCanvas = $("drawing");
  drawCanvas.width = WIDTH;
  drawCanvas.height = HEIGHT;
  const PEN_RADIUS = 1.6;  // pixels: full ink within PEN_RADIUS - PEN_SOFT of the stroke's centre line,
  const PEN_SOFT = 1.0;    // fading to none at PEN_RADIUS
  let stroke = null;  // the stroke being drawn: {pointerId, last}, its previous point in pixels

  /** Ink along the segment p -> q (pixel coordinates), each pixel the darker of old and new. */
  function ink(p, q) {
    const [dx, dy] = [q[0] - p[0], q[1] - p[1]];
    const length2 = dx * dx + dy * dy;
    const top = Math.max(0, Math.floor(Math.min(p[1], q[1]) - PEN_RADIUS));
    const bottom = Math.min(HEIGHT - 1, Math.ceil(Math.max(p[1], q[1]) + PEN_RADIUS));
    const left = Math.max(0, Math.floor(Math.min(p[0], q[0]) - PEN_RADIUS));
    const right = Math.min(WIDTH - 1, Math.ceil(Math.max(p[0], q[0]) + PEN_RADIUS));
    for (let r = top; r <= bottom; r++) {
      for (let c = left; c <= right; c++) {
        const [x, y] = [c + 0.5, r + 0.5];  // the pixel's centre
        const s = length2 ? Math.min(1, Math.max(0, ((x - p[0]) * dx + (y - p[1]) * dy) / length2)) : 0;
        const distance = Math.hypot(x - p[0] - s * dx, y - p[1] - s * dy);
        const v = Math.min(1, Math.max(0, (PEN_RADIUS - distance) / PEN_SOFT));
        if (v > state.drawing[r * WIDTH + c]) state.drawing[r * WIDTH + c] = v;
      }
    }
  }

  /** The pointer's position in the drawing's pixels. */
  function pixelAt(event) {
    const rect = drawCanvas.getBoundingClientRect();
    return [(event.clientX - rect.left) * WIDTH / rect.width, (event.clientY - rect.top) * HEIGHT / rect.height];
  }

  drawCanvas.addEventListener("pointerdown", event => {
    if (!event.isPrimary) return;  // one stroke at a time: a second finger does not draw
    drawCanvas.setPointerCapture(event.pointerId);
    stroke = {pointerId: event.pointerId, last: pixelAt(event)};
    ink(stroke.last, stroke.last);
    encodeDrawing();
  });
  drawCanvas.addEventListener("pointermove", event => {
    if (!stroke || event.pointerId !== stroke.pointerId) return;
    const p = pixelAt(event);
    ink(stroke.last, p);
    stroke.last = p;
    encodeDrawing();
  });
  for (const end of ["pointerup", "pointercancel", "lostpointercapture"]) {
    drawCanvas.addEventListener(end, event => {
      if (stroke && event.pointerId === stroke.pointerId) stroke = null;
    });
  }

  /** Encode what the drawing canvas holds: z moves to mu(x), decoded beside it. */
  function encodeDrawing() {
    state.encoded = encodeMean(state.drawing);
    const {mu, logSigma} = state.encoded;
    const reconstruction = decodeMean(mu);
    showImages(drawCanvas, [state.drawing]);
    showImages($("reconstruction"), [reconstruction]);
    $("encoded-readout").textContent = `μ(x) = (${Array.from(mu, fmt).join(", ")})\n` +
      `σ(x) = (${Array.from(logSigma, l => fmt(Math.exp(l / 2))).join(", ")})`;
    setZ(mu, reconstruction);
  }

  $("clear").addEventListener("click", () => {
    state.drawing.fill(0);
    state.encoded = null;
    showImages(drawCanvas, [state.drawing]);
    showImages($("reconstruction"), [BLANK]);
    $("encoded-readout").textContent = "";
    render();
  });

  if (MODEL.examples) {
    const examples = readArray(MODEL.examples).values;
    for (let k = 0; k < examples.length / D; k++) {
      const image = examples.subarray(k * D, (k + 1) * D);
      const canvas = document.createElement("canvas");
      canvas.id = `example-${k}`;
      canvas.title = "encode this image";
      showImages(canvas, [image]);
      canvas.addEventListener("click", () => {
        state.drawing.set(image);
        encodeDrawing();
      });
      $("examples").append(canvas);
    }
  }

  // -- the line between two points --------------------------------------------

  const LINE_STEPS = 11;

  /** Make z the line's end A or B ("a", "b"). */
  function setEnd(which) {
    state[which] = Float64Array.from(state.z);
    state.lineImages = null;
    state.t = state.a && state.b ? (which === "a" ? 0 : 1) : null;
    $("t").disabled = !(state.a && state.b);
    render();
  }
  $("set-a").addEventListener("click", () => setEnd("a"));
  $("set-b").addEventListener("click", () => setEnd("b"));
  $("t").addEventListener("input", () => {
    const t = Number($("t").value);
    setZ(state.a.map((a, i) => (1 - t) * a + t * state.b[i]));
    state.t = t;
    drawLine();
  });

  /** The line's images (decoded once per pair of ends), its slider and where z is on it. */
  function drawLine() {
    if (state.a && state.b && !state.lineImages) {
      state.lineImages = Array.from({length: LINE_STEPS}, (_, k) =>
        decodeMean(state.a.map((a, i) => a + (k / (LINE_STEPS - 1)) * (state.b[i] - a))));
    }
    showImages($("line"), state.lineImages || Array(LINE_STEPS).fill(BLANK));
    if (state.t !== null) $("t").value = state.t;
    $("t-readout").textContent = !(state.a && state.b) ? "set A and B"
      : state.t === null ? "z is off the line" : `t = ${state.t.toFixed(2)}`;
  }

  // -- one place that moves z, and redraws -------------------------------------

  /** Move z (NZ numbers) and redraw everything that shows it; ``decoded``, if given, is
   * decodeMean(z) already computed. z is off the line until the line's slider says otherwise. */
  function setZ(z, decoded) {
    state.pinned = Float64Array.from(z);
    state.t = null;
    previewZ(state.pinned, decoded);
  }

  /** Show z without moving the pinned point: the pad's hover. */
  function previewZ(z, decoded) {
    state.z = Float64Array.from(z);
    render(decoded);
  }

  /** Redraw everything that shows z. */
  function render(decoded) {
    showImages($("decoded"), [decoded || decodeMean(state.z)]);
    $("z-readout").textContent = `z = (${Array.from(state.z, fmt).join(", ")})`;
    drawSliders();
    drawPad();
    drawLine();
  }

  // What the page shows, read by the tests: copies, so that nothing outside changes the state.
  window.explorer = Object.freeze({
    get z() { return Array.from(state.z); },
    get pinned() { return Array.from(state.pinned); },
    get drawing() { return Array.from(state.drawing); },
    get encoded() {
      return state.encoded && {mu: Array.from(state.encoded.mu), logSigma: Array.from(state.encoded.logSigma)};
    },
    get ends() { return [state.a && Array.from(state.a), state.b && Array.from(state.b)]; },
    get t() { return state.t; },
    padPoint: (x, y) => Array.from(padPoint(x, y, state.z)),
  });

  showImages(drawCanvas, [state.drawing]);
  showImages($("reconstruction"), [BLANK]);
  setSliderRanges();
  if (hasPad) drawPadBackground();
  render();
})();
