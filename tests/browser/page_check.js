// The page-wide check of tests/browser/test_every_page.py, evaluated in the page by Playwright
// (through the DevTools protocol, so the Content-Security-Policy does not apply to it).
// Returns a list of {check, selector, text, detail}; the test filters the language candidates
// against the demo data and reports the rest.
(options) => {
  const { language } = options;
  const faults = [];
  const SKIP_TAGS = new Set([
    "SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "INPUT", "SELECT", "TEXTAREA", "OPTION",
    "OPTGROUP", "CANVAS", "IFRAME", "IMG", "VIDEO", "BR", "HR", "svg",
  ]);
  // Text that is code or an example, never prose of the interface.
  const CODE = "script, style, noscript, template, code, pre, kbd, samp, textarea, .secret, svg";
  // What the interface itself says (as opposed to the data it shows): these must be in the
  // page's language. Data shown inside them (a person's name in a heading) is told apart by the
  // test with the demo data, or marked translate="no" by the template.
  const CHROME = [
    "header", "nav", "h1", "h2", "h3", "h4", "h5", "h6", "th", "label", "legend", "button",
    ".button", "summary", "caption", "dt", ".muted", ".help", ".empty", ".page-head",
    "[role=tab]", ".tabs", ".pager", ".messages", ".errorlist", ".nonfield", "thead",
  ].join(", ");

  const describe = (element) => {
    const parts = [];
    for (let node = element; node && node.nodeType === 1 && parts.length < 4; node = node.parentElement) {
      let part = node.tagName.toLowerCase();
      const testid = node.getAttribute("data-testid");
      if (node.id) part += `#${node.id}`;
      else if (testid) part += `[data-testid="${testid}"]`;
      else if (node.classList.length) part += "." + [...node.classList].slice(0, 2).join(".");
      parts.unshift(part);
      if (node.id || testid || node === document.body) break;
    }
    return parts.join(" > ");
  };
  const textOf = (element) => (element.innerText || element.textContent || "").replace(/\s+/g, " ").trim();
  const add = (check, element, text, detail = "") =>
    faults.push({ check, selector: element ? describe(element) : "", text: (text || "").slice(0, 160), detail });
  const visible = (element) =>
    element.getClientRects().length > 0 &&
    element.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true });
  const titled = (element) => {
    for (let node = element; node && node !== document.body; node = node.parentElement) {
      if ((node.getAttribute("title") || "").trim()) return true;
    }
    return false;
  };
  // A visually hidden text for screen readers (1 px box, clipped) is not a cut text.
  const screenReaderOnly = (element, style) =>
    element.clientWidth <= 1 || element.clientHeight <= 1 || style.clip.startsWith("rect(0");

  // 1. The page scrolls sideways: report the innermost elements that stick out on the right.
  const root = document.documentElement;
  const viewportWidth = root.clientWidth;
  if (root.scrollWidth > viewportWidth + 1) {
    const sticking = [...document.body.querySelectorAll("*")].filter((element) => {
      if (SKIP_TAGS.has(element.tagName) && element.tagName !== "INPUT" && element.tagName !== "SELECT") return false;
      const rect = element.getBoundingClientRect();
      return rect.width > 0 && rect.right > viewportWidth + 1 && visible(element);
    });
    const innermost = sticking.filter((element) => !sticking.some((other) => other !== element && element.contains(other)));
    add("page-scroll", null, "", `the page is ${root.scrollWidth}px wide in a ${viewportWidth}px window`);
    for (const element of innermost.slice(0, 3)) {
      const rect = element.getBoundingClientRect();
      add("page-scroll", element, textOf(element), `ends at ${Math.round(rect.right)}px`);
    }
  }

  // 2. Elements whose content is wider than they are, and that neither scroll nor say it.
  const spilling = [];
  for (const element of document.body.querySelectorAll("*")) {
    if (SKIP_TAGS.has(element.tagName) || element.closest("svg")) continue;
    const width = element.clientWidth;
    if (!width || element.scrollWidth <= width + 1) continue;
    if (!visible(element)) continue;
    const style = getComputedStyle(element);
    const overflow = style.overflowX;
    if (overflow === "auto" || overflow === "scroll") continue;
    if (overflow === "hidden" || overflow === "clip") {
      if (screenReaderOnly(element, style)) continue;
      if (style.textOverflow === "ellipsis" && titled(element)) continue;
      add("text-cut", element, textOf(element),
        `${element.scrollWidth}px of content in ${width}px, ${style.textOverflow === "ellipsis" ? "ellipsis without a title" : "overflow hidden"}`);
      continue;
    }
    spilling.push(element);
  }
  for (const element of spilling) {
    if (spilling.some((other) => other !== element && element.contains(other))) continue;
    add("overflow", element, textOf(element),
      `${element.scrollWidth}px of content in ${element.clientWidth}px without a scroll bar`);
  }
  // Lines clamped by -webkit-line-clamp are cut too, downwards.
  for (const element of document.body.querySelectorAll("*")) {
    const style = getComputedStyle(element);
    if (style.webkitLineClamp && style.webkitLineClamp !== "none" &&
        element.scrollHeight > element.clientHeight + 2 && visible(element) && !titled(element)) {
      add("text-cut", element, textOf(element), "line-clamped without a title");
    }
  }
  // Chart labels that ECharts shortened to fit (label overflow "truncate"): drawn in a canvas,
  // so they are read from the chart's display list.
  if (window.echarts) {
    for (const element of document.querySelectorAll("[_echarts_instance_]")) {
      const chart = window.echarts.getInstanceByDom(element);
      if (!chart || !visible(element)) continue;
      for (const shape of chart.getZr().storage.getDisplayList()) {
        const text = shape.style && shape.style.text;
        if (typeof text === "string" && /(…|\.\.\.)$/.test(text) && !shape.invisible && !shape.ignore) {
          add("text-cut", element, text, "chart label shortened");
        }
      }
    }
  }

  // 3. Texts: chrome in the wrong language (candidates, filtered by the test) and formats.
  const pageLanguage = (root.getAttribute("lang") || "").toLowerCase();
  const foreign = language === "en" ? /[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]/ : /[A-Za-z]{2,}/;
  const otherLanguage = (element) => {
    const marked = element.closest("[lang]");
    return marked && marked !== root && marked.getAttribute("lang").toLowerCase() !== pageLanguage;
  };
  const dataMarked = (element) => element.closest('[translate="no"]') !== null;
  const checkLanguage = (element, text, where) => {
    if (foreign.test(text) && !otherLanguage(element) && !dataMarked(element)) {
      add("language", element, text.replace(/\s+/g, " ").trim(), where);
    }
  };

  const FORMATS = [
    [/(?<![\d/.\-])\d{1,2}\/\d{1,2}\/\d{2,4}(?![\d/])/, "date", "a date in US form"],
    [/\b[ap]\.m\.|\b\d{1,2}(:\d{2})?\s?[AaPp][Mm]\b/, "date", "a 12-hour time"],
    [/\d{4}年\d{1,2}月\d{1,2}日/, "date", "a date in neither agreed form"],
    [/(?<![\d,.\-:/\w])\d{4,}\.\d{2}(?!\d)/, "money", "an amount without thousands separators"],
    [/(?<![\d,.\w])\d{4,}(\.\d+)?\s?(CNY|USD|EUR|HKD|GBP|JPY)\b|[¥$€£]\s?\d{4,}/, "money", "an amount without thousands separators"],
  ];
  if (language === "en") {
    FORMATS.push([/(?<![\w.\-/])\d{4}-\d{2}-\d{2}(?![\w\-/]|\.\w)/, "date", "an ISO date in the English interface"]);
  } else {
    FORMATS.push([/\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}, \d{4}/, "date", "an English date in the Chinese interface"]);
  }

  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.nodeValue;
    if (!text.trim()) continue;
    const element = node.parentElement;
    if (!element || element.closest(CODE)) continue;
    const inHeader = element.closest("header, nav") !== null;
    const shown = visible(element);
    // The navigation's hidden menus are chrome as much as its visible links.
    if (element.closest(CHROME) && (shown || inHeader)) checkLanguage(element, text, "text");
    if (!shown) continue;
    for (const [pattern, check, what] of FORMATS) {
      const match = text.match(pattern);
      if (match && !seen.has(check + match[0])) {
        seen.add(check + match[0]);
        add(check, element, text.trim(), `${what}: "${match[0]}"`);
      }
    }
    if (element.closest(".money, [data-money]") && /(?<![\d,.])\d{4,}/.test(text)) {
      add("money", element, text.trim(), "an amount without thousands separators");
    }
  }
  for (const select of document.querySelectorAll("select")) {
    if (!visible(select)) continue;
    for (const option of select.options) checkLanguage(option, option.text, "option");
  }
  for (const element of document.querySelectorAll("[placeholder], [aria-label]")) {
    if (!visible(element) && !element.closest("header, nav")) continue;
    for (const attribute of ["placeholder", "aria-label"]) {
      const value = element.getAttribute(attribute);
      if (value) checkLanguage(element, value, attribute);
    }
  }
  if (foreign.test(document.title)) add("language", root, document.title, "title");
  return faults;
}
