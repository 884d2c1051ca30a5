// The in-page half of "icp-footer check --render" (icp_footer/visual.py).
//
// One function, which Playwright calls as fn([operation, argument]):
//   "collect": the DOM as HTML (for the markup audit), and every text node of the page (open
//              shadow roots included) in document order with the separator that goes before
//              it ("\n" between blocks), for Python to find the numbers in with
//              icp_footer.numbers;
//   "measure": for each number found (a range of text nodes), what a visitor sees of it;
//   "outline": draws a box around each number and returns the footer area to photograph;
//   "clear":   removes the boxes.
// The text nodes are kept on the window between "collect" and "measure" under a registered
// symbol, which no page script can stumble on.
async ([operation, argument]) => {
  const KEY = Symbol.for("icp-footer.visual");
  const state = window[KEY] || (window[KEY] = { nodes: [], marks: [] });
  const root = document.documentElement;
  const scroller = document.scrollingElement || root;
  const styles = new Map();
  const style = (el) => {
    let found = styles.get(el);
    if (!found) styles.set(el, (found = getComputedStyle(el)));
    return found;
  };
  // The flat-tree parent: a slotted node's slot, a shadow root's host.
  const up = (node) =>
    node.assignedSlot ||
    node.parentElement ||
    (node.parentNode instanceof ShadowRoot ? node.parentNode.host : null);
  const ancestors = function* (node) {
    for (let el = node.nodeType === 1 ? node : up(node); el; el = up(el)) yield el;
  };
  const contains = (outer, inner) => {
    for (let n = inner; n; n = up(n)) if (n === outer) return true;
    return false;
  };
  const describe = (el) => {
    if (!el) return null;
    let text = el.localName;
    if (el.id) text += `#${el.id}`;
    const classes = [...el.classList].slice(0, 2);
    if (classes.length) text += `.${classes.join(".")}`;
    return text;
  };
  const scrollTo = (left, top) => window.scrollTo({ left, top, behavior: "instant" });
  const toDoc = (r) => ({
    left: r.left + scrollX,
    top: r.top + scrollY,
    right: r.right + scrollX,
    bottom: r.bottom + scrollY,
  });
  const sized = (r) => r.width > 0 && r.height > 0;
  const area = (r) => Math.max(r.right - r.left, 0) * Math.max(r.bottom - r.top, 0);
  const union = (rects) => ({
    left: Math.min(...rects.map((r) => r.left)),
    top: Math.min(...rects.map((r) => r.top)),
    right: Math.max(...rects.map((r) => r.right)),
    bottom: Math.max(...rects.map((r) => r.bottom)),
  });
  const meets = (a, b, slack = 0) =>
    a.left < b.right + slack &&
    b.left < a.right + slack &&
    a.top < b.bottom + slack &&
    b.top < a.bottom + slack;

  // Any CSS colour as [r, g, b, alpha] in sRGB; a canvas converts what is not rgb().
  let paint = null;
  const rgba = (css) => {
    const m =
      /^rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,/]\s*([\d.]+)(%?))?\s*\)$/.exec(css);
    if (m) {
      const alpha = m[4] === undefined ? 1 : m[5] ? Number(m[4]) / 100 : Number(m[4]);
      return [Number(m[1]), Number(m[2]), Number(m[3]), alpha];
    }
    paint =
      paint || document.createElement("canvas").getContext("2d", { willReadFrequently: true });
    paint.clearRect(0, 0, 1, 1);
    paint.fillStyle = "rgba(0, 0, 0, 0)";
    paint.fillStyle = css;
    paint.fillRect(0, 0, 1, 1);
    const d = paint.getImageData(0, 0, 1, 1).data;
    return [d[0], d[1], d[2], d[3] / 255];
  };

  // Elements whose text is not page text.
  const SKIP = new Set(["script", "style", "noscript", "template", "title", "textarea", "desc"]);
  const inline = (el) => {
    const display = style(el).display;
    return display === "inline" || display === "contents";
  };
  const blockOf = (node) => {
    for (const el of ancestors(node)) if (!inline(el)) return el;
    return root;
  };

  async function collect() {
    // Web fonts change line boxes: wait for them (a little).
    await Promise.race([document.fonts.ready, new Promise((done) => setTimeout(done, 3000))]);
    const nodes = [];
    const texts = [];
    const separators = [];
    let lastBlock = null;
    let broken = false;
    const walk = (start) => {
      const walker = document.createTreeWalker(
        start,
        NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT,
        {
          acceptNode: (n) =>
            n.nodeType === 1 && SKIP.has(n.localName)
              ? NodeFilter.FILTER_REJECT
              : NodeFilter.FILTER_ACCEPT,
        },
      );
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (n.nodeType === 1) {
          if (n.localName === "br" || !inline(n)) broken = true;
          if (n.shadowRoot) walk(n.shadowRoot);
          continue;
        }
        if (!n.data) continue;
        const block = blockOf(n);
        separators.push(nodes.length && (broken || block !== lastBlock) ? "\n" : "");
        nodes.push(n);
        texts.push(n.data);
        lastBlock = block;
        broken = false;
      }
    };
    walk(document.body || root);
    state.nodes = nodes;
    const doctype = document.doctype ? `<!DOCTYPE ${document.doctype.name}>` : "";
    return { html: doctype + root.outerHTML, texts, separators };
  }

  // -- measuring -----------------------------------------------------------------------------

  // Why an element hides what it holds, if it does: display, visibility, opacity.
  const hiddenBy = (node) => {
    for (const el of ancestors(node)) {
      const s = style(el);
      if (s.display === "none") return `display:none on ${describe(el)}`;
      if (Number(s.opacity) === 0) return `opacity:0 on ${describe(el)}`;
      if (s.contentVisibility === "hidden") return `content-visibility:hidden on ${describe(el)}`;
    }
    const parent = node.nodeType === 1 ? node : up(node);
    if (parent && style(parent).visibility !== "visible") {
      // visibility is inherited: name the element that set it.
      let setter = parent;
      for (let el = up(parent); el && style(el).visibility !== "visible"; el = up(el)) setter = el;
      return `visibility:${style(parent).visibility} on ${describe(setter)}`;
    }
    return null;
  };

  const meet = (a, b) => ({
    left: Math.max(a.left, b.left),
    top: Math.max(a.top, b.top),
    right: Math.min(a.right, b.right),
    bottom: Math.min(a.bottom, b.bottom),
  });
  // Sub-pixel glyph overhang is not clipping.
  const loosen = (r) => ({
    left: r.left - 1,
    top: r.top - 2,
    right: r.right + 1,
    bottom: r.bottom + 2,
  });
  const ALL = { left: -Infinity, top: -Infinity, right: Infinity, bottom: Infinity };

  // The part of the window a node's ancestors let it show (overflow hidden or clip), and the
  // innermost ancestor that cuts some of ``rects`` off. Positioned boxes escape the ancestors
  // that are not their containing block; the root's (and a propagated body's) overflow is the
  // window's, which scrolling deals with.
  const clipOf = (node, rects) => {
    let region = ALL;
    let by = null;
    const body = document.body;
    const propagated =
      body && style(root).overflowX === "visible" && style(root).overflowY === "visible";
    let escaping = null;
    for (const el of ancestors(node)) {
      if (el === root || (el === body && propagated) || escaping === "fixed") break;
      const s = style(el);
      const skipped = escaping === "absolute" && s.position === "static";
      if (!skipped) {
        escaping = null;
        const x = s.overflowX === "hidden" || s.overflowX === "clip";
        const y = s.overflowY === "hidden" || s.overflowY === "clip";
        if (x || y) {
          const r = el.getBoundingClientRect();
          const left = r.left + el.clientLeft;
          const top = r.top + el.clientTop;
          const box = {
            left: x ? left : -Infinity,
            right: x ? left + el.clientWidth : Infinity,
            top: y ? top : -Infinity,
            bottom: y ? top + el.clientHeight : Infinity,
          };
          if (!by && rects.some((q) => area(meet(q, loosen(box))) < area(q))) by = describe(el);
          region = meet(region, box);
        }
      }
      if (s.position === "fixed") escaping = "fixed";
      else if (s.position === "absolute") escaping = "absolute";
    }
    return { region, by };
  };

  // The element at a point, looking into open shadow roots.
  const hit = (x, y) => {
    let el = document.elementFromPoint(x, y);
    while (el && el.shadowRoot) {
      const inner = el.shadowRoot.elementFromPoint(x, y);
      if (!inner || inner === el) break;
      el = inner;
    }
    return el;
  };
  const XLINK = "http://www.w3.org/1999/xlink";
  const linkOf = (node) => {
    for (const el of ancestors(node)) {
      if (el.localName !== "a" && el.localName !== "area") continue;
      const href = el.getAttribute("href") ?? el.getAttributeNS(XLINK, "href");
      if (href === null) continue;
      try {
        return new URL(href.trim(), document.baseURI).href;
      } catch {
        return href;
      }
    }
    return null;
  };
  // The outermost element around a hit that is not also around the number: what covers it.
  const coverOf = (el, own) => {
    let cover = el;
    for (let n = up(el); n && !contains(n, own); n = up(n)) cover = n;
    return cover;
  };

  // The composited layers behind a text: own colour, then each ancestor's background and
  // opacity, innermost first. Python does the arithmetic.
  const layersOf = (el) => {
    const layers = [];
    const body = document.body;
    const rootBg = rgba(style(root).backgroundColor);
    const propagates = body && rootBg[3] === 0; // body's background paints the canvas
    for (const a of ancestors(el)) {
      const s = style(a);
      const canvas = a === root || (a === body && propagates);
      layers.push({
        element: describe(a),
        background: canvas ? [0, 0, 0, 0] : rgba(s.backgroundColor),
        image: !canvas && s.backgroundImage !== "none",
        opacity: Number(s.opacity),
      });
    }
    const canvasBg = propagates ? rgba(style(body).backgroundColor) : rootBg;
    const canvasImage =
      (propagates ? style(body) : style(root)).backgroundImage !== "none";
    return { layers, canvas: canvasBg, canvasImage };
  };

  const REPLACED =
    "img, svg, video, canvas, iframe, object, embed, input, button, select, textarea";

  // The PSB badge next to a number: an image in its link, just before it, or beside it.
  const badgeOf = (node) => {
    const parent = up(node);
    const link = [...ancestors(node)].find((el) => el.localName === "a");
    const holder = link || parent;
    if (!holder) return null;
    const images = (el) =>
      el ? (el.matches("img, svg") ? [el] : [...el.querySelectorAll("img, svg")]) : [];
    let found = images(holder);
    if (!found.length) {
      let prev = holder.previousSibling;
      while (prev && prev.nodeType !== 1 && !(prev.nodeType === 3 && prev.data.trim())) {
        prev = prev.previousSibling;
      }
      if (prev && prev.nodeType === 1) found = images(prev);
    }
    const around = holder.parentElement;
    if (!found.length && around && !["body", "html"].includes(around.localName)) {
      found = [...around.children].filter((el) => el.matches("img, svg"));
    }
    if (found.length) return { element: found[0], css: null };
    for (const [el, pseudo] of [[holder, "::before"], [holder, null], [parent, "::before"]]) {
      if (!el) continue;
      const s = getComputedStyle(el, pseudo);
      const m = /url\((["']?)(.*?)\1\)/.exec(`${s.backgroundImage} ${pseudo ? s.content : ""}`);
      if (m) return { element: el, css: new URL(m[2], document.baseURI).href };
    }
    return null;
  };

  const settle = (img, ms) =>
    img.complete
      ? Promise.resolve()
      : new Promise((done) => {
          img.addEventListener("load", done, { once: true });
          img.addEventListener("error", done, { once: true });
          setTimeout(done, ms);
        });

  const badgeFacts = async (badge) => {
    if (!badge) return { found: false };
    const el = badge.element;
    if (badge.css) {
      const probe = new Image();
      probe.src = badge.css;
      await settle(probe, 5000);
      return {
        found: true, kind: "css", src: badge.css, loaded: probe.naturalWidth > 0,
        natural_width: probe.naturalWidth, width: null, height: null, element: describe(el),
      };
    }
    if (el.localName === "svg") {
      const r = el.getBoundingClientRect();
      return {
        found: true, kind: "svg", src: null, loaded: true, natural_width: null,
        width: r.width, height: r.height, element: describe(el),
      };
    }
    el.loading = "eager"; // a lazy badge below the fold loads now
    await settle(el, 5000);
    const r = el.getBoundingClientRect();
    return {
      found: true, kind: "img", src: el.currentSrc || el.src,
      loaded: el.complete && el.naturalWidth > 0,
      natural_width: el.naturalWidth, width: r.width, height: r.height, element: describe(el),
    };
  };

  async function measure({ targets }) {
    const nodes = state.nodes;
    const ranges = targets.map((t) => {
      const range = document.createRange();
      range.setStart(nodes[t.start[0]], t.start[1]);
      range.setEnd(nodes[t.end[0]], t.end[1]);
      return range;
    });
    const badges = targets.map((t) => (t.psb ? badgeOf(nodes[t.start[0]]) : null));
    const badgeElements = new Set(badges.filter((b) => b).map((b) => b.element));

    // Everything else a visitor sees, in document coordinates, from the bottom of the page
    // (lazy content has loaded, sticky boxes sit where they end).
    scrollTo(0, scroller.scrollHeight);
    const own = ranges.flatMap((r) => [...r.getClientRects()].filter(sized).map(toDoc));
    const fixed = new Map();
    const isFixed = (el) => {
      if (!el || el === root) return false;
      if (fixed.has(el)) return fixed.get(el);
      const answer = style(el).position === "fixed" || isFixed(up(el));
      fixed.set(el, answer);
      return answer;
    };
    const shown = (el) =>
      !isFixed(el) && el.checkVisibility({ opacityProperty: true, visibilityProperty: true });
    const others = [];
    const probe = document.createRange();
    for (const node of nodes) {
      const parent = up(node);
      if (!parent || !node.data.trim() || !shown(parent)) continue;
      probe.selectNodeContents(node);
      for (const r of probe.getClientRects()) {
        if (!sized(r)) continue;
        const box = toDoc(r);
        if (own.some((o) => meets(o, box, -1))) continue;
        others.push({ ...box, what: node.data.trim().slice(0, 40) });
      }
    }
    for (const el of document.querySelectorAll(REPLACED)) {
      if (badgeElements.has(el) || !shown(el)) continue;
      if (el.localName === "svg" && el.parentElement && el.parentElement.closest("svg")) continue;
      const r = el.getBoundingClientRect();
      if (sized(r)) others.push({ ...toDoc(r), what: `<${describe(el)}>` });
    }
    const docHeight = scroller.scrollHeight;
    // Where the content ends: a short page leaves the rest of the window blank.
    const contentEnd = Math.max(
      toDoc(root.getBoundingClientRect()).bottom,
      document.body ? toDoc(document.body.getBoundingClientRect()).bottom : 0,
    );
    const width = root.clientWidth;

    const results = [];
    for (const [index, range] of ranges.entries()) {
      const node = nodes[targets[index].start[0]];
      const parent = up(node);
      const s = parent ? style(parent) : null;
      const result = {
        hidden_by: parent ? hiddenBy(node) : "not in an element",
        box: null, covered_by: null, clipped_by: null, shown_fraction: 0, off_screen: false,
        font_size: s ? parseFloat(s.fontSize) : null,
        colour: s ? rgba(s.webkitTextFillColor || s.color) : null,
        layers: parent ? layersOf(parent) : null,
        link: null, own_link: linkOf(node),
        line: null, below: 0, below_what: null, to_end: null,
        badge: targets[index].psb ? await badgeFacts(badges[index]) : null,
      };
      results.push(result);
      let rects = [...range.getClientRects()].filter(sized);
      if (!rects.length) continue;
      // Bring it to the middle of the window, as far as the page scrolls.
      const first = toDoc(union(rects));
      scrollTo(
        (first.left + first.right) / 2 - innerWidth / 2,
        (first.top + first.bottom) / 2 - innerHeight / 2,
      );
      rects = [...range.getClientRects()].filter(sized);
      const box = union(rects);
      const doc = toDoc(box);
      result.box = {
        left: doc.left,
        top: doc.top,
        width: box.right - box.left,
        height: box.bottom - box.top,
      };
      // Clipping: by ancestors, and by the window for what no scrolling reaches.
      const { region, by } = clipOf(node, rects);
      const view = { left: 0, top: 0, right: innerWidth, bottom: innerHeight };
      const total = rects.reduce((sum, r) => sum + area(r), 0);
      const within = (limit) => rects.reduce((sum, r) => sum + area(meet(r, limit)), 0);
      const shown = meet(region, view);
      result.shown_fraction = Math.min(within(shown) / total, 1);
      if (within(loosen(shown)) < total) {
        if (within(loosen(region)) < total) result.clipped_by = by;
        else result.off_screen = true;
      }
      // What a click at its centre meets (the centre of its largest piece).
      const big = rects.reduce((a, b) => (area(b) > area(a) ? b : a));
      const x = (big.left + big.right) / 2;
      const y = (big.top + big.bottom) / 2;
      const target = x >= 0 && y >= 0 && x < innerWidth && y < innerHeight ? hit(x, y) : null;
      if (target && parent && !contains(parent, target) && !contains(target, parent)) {
        result.covered_by = describe(coverOf(target, parent));
      }
      result.link = target ? linkOf(target) : null;
      // Its line, for centring: what its block draws on the same line (text, images, and the
      // boxes of inline elements, which hold their ::before and ::after).
      const block = blockOf(node);
      const lineBand = { top: big.top, bottom: big.bottom };
      const pieces = [];
      const inBlock = document.createRange();
      const lineWalker = document.createTreeWalker(
        block,
        NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT,
      );
      for (let n = lineWalker.currentNode; n; n = lineWalker.nextNode()) {
        let boxes = [];
        if (n.nodeType === 3 && n.data.trim()) {
          inBlock.selectNodeContents(n);
          boxes = [...inBlock.getClientRects()];
        } else if (n.nodeType === 1 && n !== block && n.matches(REPLACED)) {
          boxes = [n.getBoundingClientRect()];
        } else if (n.nodeType === 1 && n !== block && style(n).display === "inline") {
          boxes = [...n.getClientRects()];
        }
        for (const r of boxes) {
          const middle = (r.top + r.bottom) / 2;
          if (sized(r) && middle >= lineBand.top && middle <= lineBand.bottom) pieces.push(r);
        }
      }
      const line = union(pieces.length ? pieces : rects);
      result.line = {
        left: line.left + scrollX, right: line.right + scrollX,
        centre_offset: (line.left + line.right) / 2 + scrollX - width / 2,
      };
      // Below it: the lowest other content whose middle is under its bottom edge.
      for (const o of others) {
        if ((o.top + o.bottom) / 2 <= doc.bottom || o.bottom - doc.bottom <= result.below) continue;
        result.below = o.bottom - doc.bottom;
        result.below_what = o.what;
      }
      result.to_end = Math.max(contentEnd - doc.bottom, 0);
    }
    return {
      width, height: innerHeight, doc_width: scroller.scrollWidth, doc_height: docHeight, results,
    };
  }

  // -- screenshots ---------------------------------------------------------------------------

  function outline({ boxes, colour }) {
    for (const b of boxes) {
      const mark = document.createElement("div");
      mark.setAttribute("aria-hidden", "true");
      mark.style.cssText =
        `position:absolute;left:${b.left - 3}px;top:${b.top - 3}px;width:${b.width + 6}px;` +
        `height:${b.height + 6}px;border:2px solid ${colour};border-radius:3px;` +
        "box-sizing:border-box;pointer-events:none;z-index:2147483647;margin:0;padding:0";
      root.appendChild(mark);
      state.marks.push(mark);
    }
    // The footer around the numbers (the page's last <footer> or contentinfo), else the
    // bottom of the page.
    const areas = [];
    for (const index of boxes.map((b) => b.target)) {
      const node = state.nodes[index];
      const footer = [...ancestors(node)].find(
        (el) => el.localName === "footer" || el.getAttribute("role") === "contentinfo",
      );
      areas.push(toDoc((footer || blockOf(node)).getBoundingClientRect()));
    }
    for (const b of boxes) {
      areas.push({ left: b.left, top: b.top, right: b.left + b.width, bottom: b.top + b.height });
    }
    if (!areas.length) {
      const footers = document.querySelectorAll("footer, [role=contentinfo]");
      const last = footers[footers.length - 1];
      const r = last ? last.getBoundingClientRect() : null;
      if (r && sized(r)) areas.push(toDoc(r));
    }
    const height = scroller.scrollHeight;
    const bottom = { left: 0, top: Math.max(height - innerHeight, 0), right: root.clientWidth };
    const crop = areas.length ? union(areas) : { ...bottom, bottom: height };
    const width = Math.max(scroller.scrollWidth, root.clientWidth);
    return { ...crop, doc_width: width, doc_height: height };
  }

  function clear() {
    for (const mark of state.marks) mark.remove();
    state.marks = [];
    return null;
  }

  switch (operation) {
    case "collect":
      return collect();
    case "measure":
      return measure(argument);
    case "outline":
      return outline(argument);
    case "clear":
      return clear();
    default:
      throw new Error(`icp-footer: unknown operation ${operation}`);
  }
}
