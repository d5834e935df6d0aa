// FAKES for Node tests: Node has no DOM. These model only what the module touches
// (message listeners, iframes in a container, window.open popups, location, history,
// sessionStorage, opener/parent and postMessage). They are not a browser; the real-browser
// test of the module belongs to test/browser.

export class FakeStorage {
  #m = new Map();
  getItem(k) {
    return this.#m.has(k) ? this.#m.get(k) : null;
  }
  setItem(k, v) {
    this.#m.set(k, String(v));
  }
  removeItem(k) {
    this.#m.delete(k);
  }
  get length() {
    return this.#m.size;
  }
}

export class FakeElement {
  constructor(tag, ownerWindow) {
    this.tagName = tag.toUpperCase();
    this.attributes = {};
    this.parentNode = null;
    this.src = '';
    this.title = '';
    // An iframe's content window (a distinct fake window).
    this.contentWindow = tag === 'iframe' ? new FakeWindow({ origin: 'https://frame.invalid' }) : null;
    this.ownerWindow = ownerWindow;
  }
  setAttribute(k, v) {
    this.attributes[k] = String(v);
  }
  remove() {
    if (this.parentNode) this.parentNode.removeChild(this);
  }
}

export class FakeContainer {
  children = [];
  appendChild(el) {
    el.parentNode = this;
    this.children.push(el);
    return el;
  }
  removeChild(el) {
    this.children = this.children.filter((c) => c !== el);
    el.parentNode = null;
    return el;
  }
}

export class FakePopup {
  constructor(url) {
    this.closed = false;
    this.location = { href: url };
    this.closeCalls = 0;
  }
  close() {
    this.closed = true;
    this.closeCalls++;
  }
}

export class FakeWindow {
  constructor({ origin = 'https://app.example', href, opener = null, parent, blockPopups = false } = {}) {
    this.listeners = { message: new Set() };
    this.location = {
      origin,
      href: href ?? origin + '/',
      assigned: null,
      assign: (u) => {
        this.location.assigned = u;
      },
    };
    this.history = {
      state: null,
      replaceState: (s, _t, u) => {
        this.history.state = s;
        this.location.href = new URL(u, this.location.href).href;
      },
    };
    this.sessionStorage = new FakeStorage();
    this.document = { createElement: (tag) => new FakeElement(tag, this) };
    this.opener = opener;
    this.parent = parent ?? this;
    this.opened = [];
    this.blockPopups = blockPopups;
    this.posted = [];
    this.closed = false;
  }
  addEventListener(type, fn) {
    (this.listeners[type] ??= new Set()).add(fn);
  }
  removeEventListener(type, fn) {
    this.listeners[type]?.delete(fn);
  }
  listenerCount(type = 'message') {
    return this.listeners[type]?.size ?? 0;
  }
  /** A fake MessageEvent: only data, origin and source. */
  fire(data, origin, source) {
    for (const fn of [...this.listeners.message]) fn({ type: 'message', data, origin, source });
  }
  open(url, name, features) {
    if (this.blockPopups) return null;
    const p = new FakePopup(url);
    p.name = name;
    p.features = features;
    this.opened.push(p);
    return p;
  }
  postMessage(message, targetOrigin) {
    this.posted.push({ message, targetOrigin });
  }
  close() {
    this.closed = true;
  }
}

export const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));
