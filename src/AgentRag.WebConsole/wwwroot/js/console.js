// The web console's browser helpers (a classic script, loaded by index.html; no inline script anywhere, see
// docs/adr/0028-web-console.md). Blazor calls them through JS interop as AgentRagConsole.*.
"use strict";
window.AgentRagConsole = {
  // Uploads each file of the <input type="file"> as its own multipart request (field 'files'), so every file has its
  // own progress and outcome; XMLHttpRequest because fetch reports no upload progress. Returns [{name, size}], or
  // null (uploading nothing) when more than maxFiles were chosen. Callbacks number the files from firstIndex.
  upload(input, url, headers, listener, maxFiles, firstIndex) {
    const files = Array.from(input.files || []);
    if (files.length > maxFiles) {
      input.value = "";
      return null;
    }
    files.forEach((file, i) => {
      const index = firstIndex + i;
      const form = new FormData();
      form.append("files", file, file.name);
      const request = new XMLHttpRequest();
      request.open("POST", url);
      for (const [name, value] of Object.entries(headers || {})) request.setRequestHeader(name, value);
      request.upload.onprogress = (e) => {
        if (e.lengthComputable) listener.invokeMethodAsync("OnUploadProgress", index, e.loaded, e.total);
      };
      request.onload = () => listener.invokeMethodAsync("OnUploadCompleted", index, request.status, request.responseText || "");
      request.onerror = () => listener.invokeMethodAsync("OnUploadCompleted", index, 0, "");
      request.send(form);
    });
    const chosen = files.map((f) => ({ name: f.name, size: f.size }));
    input.value = "";
    return chosen;
  },

  // Downloads url with the credential headers (a plain link cannot send them) and saves it as fileName.
  async download(url, fileName, headers) {
    const response = await fetch(url, { headers: headers || {} });
    if (!response.ok) throw new Error(`The original could not be downloaded: ${response.status}`);
    const link = document.createElement("a");
    link.href = URL.createObjectURL(await response.blob());
    link.download = fileName;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  },

  // Applies the tenant's branding: its colours as the stylesheet's variables (through the CSSOM, which the CSP allows,
  // not a style attribute) and its product name in the window title (the pages' titles end in "AgentRag").
  applyBranding(primary, accent, productName) {
    const root = document.documentElement.style;
    root.removeProperty("--brand-primary");
    root.removeProperty("--brand-primary-fg");
    // The primary colour becomes the light theme's accent (links, citation chips, buttons; console.css), and only where
    // it stays readable: at least 4.5:1 against the light theme's background and panels (WCAG AA). The dark theme
    // keeps its own accent, so a dark brand colour never lands on a dark background.
    if (primary && this.readableOnLightTheme(primary)) {
      root.setProperty("--brand-primary", primary);
      // Text on the primary colour (buttons) is white or black, whichever contrasts more with it.
      root.setProperty("--brand-primary-fg", this.contrastingText(primary));
    }
    if (accent) root.setProperty("--brand-accent", accent); else root.removeProperty("--brand-accent");
    this.productName = productName || null;
    this.retitle();
    if (!this.titleObserver) {
      this.titleObserver = new MutationObserver(() => this.retitle());
      this.titleObserver.observe(document.head, { subtree: true, childList: true, characterData: true });
    }
  },

  // The light theme's background and panel colours (console.css, :root).
  lightThemeSurfaces: ["#ffffff", "#f5f5f5"],

  readableOnLightTheme(hex) {
    return this.lightThemeSurfaces.every((surface) => this.contrastRatio(hex, surface) >= 4.5);
  },

  // WCAG relative luminance of a #rrggbb colour.
  luminance(hex) {
    const channel = (i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  },

  contrastRatio(first, second) {
    const [light, dark] = [this.luminance(first), this.luminance(second)].sort((a, b) => b - a);
    return (light + 0.05) / (dark + 0.05);
  },

  // "#ffffff" or "#000000" for text on the #rrggbb background, whichever contrasts more.
  contrastingText(hex) {
    return this.contrastRatio(hex, "#ffffff") >= this.contrastRatio(hex, "#000000") ? "#ffffff" : "#000000";
  },

  retitle() {
    const name = this.productName;
    if (name && document.title.endsWith("AgentRag")) document.title = document.title.slice(0, -"AgentRag".length) + name;
  },

  // Loads the API images inside container (img[data-src]) with the credential headers once each scrolls into view,
  // as blob: URLs (an <img> cannot send the credential itself). An image that fails gets data-failed="true".
  lazyImages(container, headers) {
    if (!container) return;
    const load = async (img) => {
      try {
        const response = await fetch(img.dataset.src, { headers: headers || {} });
        if (!response.ok) throw new Error(String(response.status));
        const previous = img.src;
        img.src = URL.createObjectURL(await response.blob());
        if (previous.startsWith("blob:")) URL.revokeObjectURL(previous);
        img.dataset.loaded = img.dataset.src;
      } catch {
        img.dataset.failed = "true";
      }
    };
    const observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (entry.isIntersecting) {
          observer.unobserve(entry.target);
          load(entry.target);
        }
      }
    }, { rootMargin: "200px" });
    container.querySelectorAll("img[data-src]").forEach((img) => {
      if (img.dataset.loaded !== img.dataset.src) observer.observe(img);
    });
  },

  // Copies text to the clipboard; false (not an error) when the browser refuses, so the page can say to copy by hand.
  async copy(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      return false;
    }
  },
};
