import Crypto
import Foundation

/// The dashboard's own stylesheet, script and icon, served from memory (no asset from elsewhere: factory
/// networks are often offline). Written by hand: a few rules and one small script are all the pages need.
enum Assets {
    struct Asset: Sendable {
        var body: String
        var contentType: String
        /// A strong validator: the content's hash.
        var etag: String

        init(_ body: String, _ contentType: String) {
            self.body = body
            self.contentType = contentType
            etag = "\"" + SHA256.hash(data: Data(body.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined() + "\""
        }
    }

    static let all: [String: Asset] = [
        "dashboard.css": Asset(css, "text/css; charset=utf-8"),
        "dashboard.js": Asset(script, "text/javascript; charset=utf-8"),
        "icon.svg": Asset(icon, "image/svg+xml"),
    ]

    /// `/assets/NAME?v=ETAG`, so a page always gets the assets of the daemon that served it.
    static func url(_ name: String) -> String {
        "/assets/\(name)?v=\(all[name]?.etag.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) ?? "0")"
    }

    static let icon = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1f4e9c"/>\
        <path d="M3 11l3-4 3 2 4-5" stroke="#fff" stroke-width="2" fill="none"/></svg>
        """

    static let css = """
        :root{--green:#1b7f3b;--amber:#b26a00;--red:#c62828;--idle:#6b7280;--ink:#1d1d1f;--line:#d9dce1;--bg:#f4f5f7}
        *{box-sizing:border-box}
        body{margin:0;font-family:Helvetica,Arial,sans-serif;color:var(--ink);background:var(--bg)}
        header{display:flex;flex-wrap:wrap;align-items:center;gap:.4em 1.2em;padding:.5em 1em;background:#1f2937;color:#fff}
        header a{color:#fff;text-decoration:none}header a:hover{text-decoration:underline}
        header .brand{font-weight:bold;font-size:1.1em}
        header .who{margin-left:auto;opacity:.8;font-size:.9em}
        #live{font-size:.9em}#live[data-state=open]{color:#7ee08f}#live[data-state=reconnecting]{color:#ffb74d}
        main{padding:1em;max-width:1900px;margin:0 auto}
        h1{font-size:1.6em;margin:.2em 0 .4em}h2{font-size:1.2em;margin:1.2em 0 .5em;border-bottom:1px solid var(--line)}
        .meta{color:#555;font-size:.9em}
        .tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:1em}
        .tile{border-radius:10px;padding:.8em 1em;color:#fff;background:var(--idle)}
        .tile.state-green{background:var(--green)}.tile.state-amber{background:var(--amber)}.tile.state-red{background:var(--red)}
        .tile h3{margin:0;font-size:1.6em;display:flex;flex-wrap:wrap;justify-content:space-between;align-items:baseline;gap:0 .5em}
        .tile h3 .small{font-size:.6em;font-weight:normal}
        .tile .caption{font-size:.85em;opacity:.85;margin-top:.3em;text-transform:uppercase;letter-spacing:.05em}
        .tile .big{font-size:4.2em;font-weight:bold;line-height:1.05;margin:0 0 .1em}
        .tile .product.state-red,.tile .product.state-amber{font-weight:bold}
        .tile .row{display:flex;flex-wrap:wrap;gap:.3em 1.2em;font-size:1.15em}
        .tile .small{font-size:.95em;opacity:.92;margin-top:.3em}
        .tile a{color:#fff}
        .rty{font-size:1.4em;margin:.6em 0}.rty b{font-size:1.3em}
        .cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:1em}
        .panel{background:#fff;border:1px solid var(--line);border-radius:8px;padding:.6em .9em;overflow-x:auto}
        table{border-collapse:collapse;width:100%;font-size:.95em}
        th,td{padding:.3em .5em;border-bottom:1px solid #eceef1;text-align:right;white-space:nowrap}
        th:first-child,td:first-child,td.text,th.text{text-align:left}
        td.note{white-space:normal;text-align:left}
        .miss,td.miss{color:var(--red);font-weight:bold}.met,td.met{color:var(--green)}
        .sev-critical{color:var(--red);font-weight:bold}.sev-warning{color:var(--amber);font-weight:bold}
        .state-firing{color:var(--red);font-weight:bold}
        figure{margin:0 0 1em}figcaption{font-size:.85em;color:#555}
        .plot svg{width:100%;height:auto;display:block}
        .charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:1em}
        form.ack{display:flex;flex-wrap:wrap;gap:.3em;margin:.3em 0}
        form.ack input[name=note]{flex:1 1 14em}
        input,button{font:inherit;padding:.25em .5em}
        dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}dl.facts dt{color:#555}dl.facts dd{margin:0}
        .login{max-width:28em;margin:4em auto;background:#fff;padding:1.5em;border-radius:8px;border:1px solid var(--line)}
        .login input{width:100%;margin:.5em 0}
        @media (max-width:700px){.tile .big{font-size:3em}.cols,.charts{grid-template-columns:1fr}main{padding:.5em}
        table{font-size:.85em}th,td{padding:.25em .3em}.panel{padding:.4em}
        #alerts table,#alerts tbody,#alerts tr,#alerts td{display:block;width:100%;text-align:left;white-space:normal}
        #alerts thead{display:none}#alerts tr{border-bottom:1px solid var(--line);padding:.3em 0}#alerts td{border:0;padding:.1em 0}
        .plot{overflow-x:auto}.plot svg{min-width:640px}}
        @page{size:A4;margin:12mm}
        @media print{header,#live,form.ack{display:none}body{background:#fff}main{max-width:none;padding:0}
        .tiles{grid-template-columns:repeat(2,1fr)}.tile{color:#000;background:#fff !important;border:3px solid var(--idle)}
        .tile.state-green{border-color:var(--green)}.tile.state-amber{border-color:var(--amber)}.tile.state-red{border-color:var(--red)}
        .tile a{color:#000}.charts,.cols{grid-template-columns:1fr}figure,.panel,.tile{break-inside:avoid}
        .tile .state-word{display:inline}}
        .state-word{display:none;font-weight:bold}
        """

    /// Live updates: one EventSource per page; a `sections` event replaces the page's sections by id, a
    /// `chart` event one chart's plot. EventSource reconnects by itself with Last-Event-ID; when the browser
    /// gives up (an error answer while the daemon restarts), the script opens a new one with `last=`.
    static let script = """
        (function () {
          "use strict";
          var back = document.getElementById("return");
          if (back) { back.value = location.pathname; }
          var stream = document.body.getAttribute("data-stream");
          var live = document.getElementById("live");
          if (!stream || !window.EventSource) { return; }
          var lastId = "";
          var source = null;
          function state(name) { if (live) { live.setAttribute("data-state", name); live.title = "live updates: " + name; } }
          function remember(event) { if (event.lastEventId) { lastId = event.lastEventId; } }
          function connect() {
            var url = stream + (lastId ? (stream.indexOf("?") < 0 ? "?" : "&") + "last=" + encodeURIComponent(lastId) : "");
            source = new EventSource(url);
            source.onopen = function () { state("open"); };
            source.onerror = function () {
              state("reconnecting");
              if (source.readyState === EventSource.CLOSED) { source = null; setTimeout(connect, 3000); }
            };
            source.addEventListener("sections", function (event) {
              remember(event);
              var data = JSON.parse(event.data);
              Object.keys(data.sections).forEach(function (id) {
                var element = document.getElementById(id);
                if (element) { element.innerHTML = data.sections[id]; }
              });
            });
            source.addEventListener("chart", function (event) {
              remember(event);
              var data = JSON.parse(event.data);
              var figures = document.querySelectorAll("figure[data-chart]");
              for (var i = 0; i < figures.length; i++) {
                if (figures[i].getAttribute("data-chart") === data.name) {
                  var plot = figures[i].querySelector(".plot");
                  if (plot) { plot.innerHTML = data.html; }
                }
              }
            });
          }
          connect();
        })();
        """
}
