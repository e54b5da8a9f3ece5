// The widget's styles (inside its shadow root). `color` is the site's brand colour (validated
// hex), `on` the text colour readable on it, `ink` a brand-ish colour readable on white.
export function widgetCss(color, on, ink) {
  return `:host{all:initial}
*{box-sizing:border-box}
[hidden]{display:none!important}
.root{position:fixed;right:20px;bottom:20px;z-index:2147483000;display:flex;flex-direction:column;align-items:flex-end;gap:12px;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
button{font:inherit;cursor:pointer}
:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
.svg{width:22px;height:22px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}
.i-chat,.i-send{fill:currentColor;stroke:none}
.launch{position:relative;width:60px;height:60px;border-radius:50%;border:0;background:${color};color:${on};box-shadow:0 4px 14px rgba(0,0,0,.28);display:grid;place-items:center}
.launch .svg{width:28px;height:28px}
.launch:focus-visible{outline:none;box-shadow:0 0 0 3px #fff,0 0 0 6px #1a1a1a}
.badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#b3261e;color:#fff;font-size:12px;font-weight:700;line-height:22px;text-align:center}
.panel{width:370px;height:min(600px,calc(100vh - 110px));display:flex;flex-direction:column;background:#fff;border-radius:14px;box-shadow:0 8px 32px rgba(0,0,0,.25);overflow:hidden}
.head{display:flex;align-items:center;justify-content:space-between;gap:8px;padding:12px 12px 12px 16px;background:${color};color:${on}}
.title{margin:0;font-size:16px;font-weight:650}
.subtitle{margin:0;font-size:13px}
.icon{width:40px;height:40px;border:0;border-radius:50%;background:transparent;color:inherit;display:grid;place-items:center}
.head :focus-visible{outline-color:${on}}
.banner{padding:6px 16px;background:#fff4ce;color:#4d3800;font-size:13px;font-weight:600}
.log{flex:1;overflow-y:auto;padding:14px;display:flex;flex-direction:column;gap:10px;overscroll-behavior:contain}
.row{max-width:85%;display:flex;flex-direction:column;align-items:flex-start}
.row.visitor{align-self:flex-end;align-items:flex-end}
.row.system{align-self:center;max-width:92%;text-align:center;font-size:13px;color:#454545;padding:2px 8px}
.row.system.joined{color:#1b5e35;font-weight:600}
.who{display:flex;align-items:center;gap:6px;font-size:12px;color:#454545;margin:0 0 3px 2px}
.avatar{width:22px;height:22px;border-radius:50%;display:grid;place-items:center;background:#dfe3e8;color:#1a1a1a;font-weight:700;font-size:12px}
.avatar .svg{width:15px;height:15px}
.agent .avatar{background:#1b5e35;color:#fff}
.bubble{padding:9px 12px;border-radius:16px;white-space:pre-wrap;overflow-wrap:anywhere}
.bot .bubble{background:#eef0f3;border-top-left-radius:4px}
.agent .bubble{background:#e3f3e8;border:1px solid #b6dcc2;border-top-left-radius:4px}
.visitor .bubble{background:${color};color:${on};border-bottom-right-radius:4px}
.pending::after,.failed::after{content:"Sending…";font-size:12px;color:#454545;margin-top:2px}
.failed::after{content:"Not sent";color:#b3261e}
.dropping{outline:3px dashed ${color};outline-offset:-6px}
.seen{font-size:12px;color:#454545;margin-top:2px}
.image{max-width:100%;border-radius:10px;margin-top:6px}
.bubble.file{padding:6px;background:#fff;color:#1a1a1a;border:1px solid #d5dae0}
.file{color:inherit;font-size:14px}
.thumb{display:block;max-width:200px;max-height:160px;border-radius:12px}
.attach{width:44px;height:44px;flex:none;border:0;border-radius:50%;background:transparent;color:#454545;display:grid;place-items:center}
.mail{display:grid;gap:6px;flex:none;padding:8px 12px;border-top:1px solid #e3e6ea;font-size:13px}
.mail .buttons{display:flex;gap:6px}
.mail input{flex:1;min-width:0;padding:8px 10px;border:1px solid #767676;border-radius:6px;font:inherit;font-size:16px;color:#1a1a1a}
.mail .hint{margin:0;color:#454545}
.replies{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px}
.chip{min-height:36px;padding:6px 14px;border:1.5px solid ${ink};border-radius:18px;background:#fff;color:${ink};font-size:14px}
.chip:hover{background:#f1f4f7}
.reject{align-self:flex-start;display:inline-flex;align-items:center;justify-content:center;width:28px;height:28px;margin-top:2px;padding:0;border:1px solid transparent;border-radius:14px;background:none;color:#454545;cursor:pointer}
.reject .svg{width:16px;height:16px}
.reject:hover,.reject:focus-visible{border-color:#767676}
.reject[aria-pressed=true]{color:#b3261e;cursor:default}
.reject[aria-pressed=true] .svg{fill:#f9dedc}
a.chip{display:inline-flex;align-items:center;text-decoration:none}
.bubble a{color:inherit;text-decoration:underline}
.queue{margin:0 12px 6px;padding:8px 12px;border-radius:8px;background:#e8f0fa;color:#173a5e;font-size:13px;font-weight:600}
.typing{padding:2px 16px 6px;font-size:13px;color:#454545;display:flex;align-items:center;gap:8px}
.dots{display:inline-flex;gap:3px}
.dots i{width:6px;height:6px;border-radius:50%;background:#6b6b6b;animation:fd-blink 1.2s infinite}
.dots i:nth-child(2){animation-delay:.2s}.dots i:nth-child(3){animation-delay:.4s}
@keyframes fd-blink{0%,80%,100%{opacity:.25}40%{opacity:1}}
.actions{display:flex;flex-wrap:wrap;gap:8px;padding:8px 12px;border-top:1px solid #e3e6ea}
.error{margin:0;padding:0 16px;color:#b3261e;font-size:13px}
.error:empty{display:none}
.composer{display:flex;align-items:flex-end;gap:6px;padding:8px;border-top:1px solid #e3e6ea}
.composer textarea{flex:1;min-height:44px;max-height:120px;padding:11px 12px;border:1px solid #8a8a8a;border-radius:22px;font:inherit;font-size:16px;color:#1a1a1a;resize:none}
.ts{font-size:11px;color:#595959;margin:2px 4px 0}
.row.greeting .bubble{background:#eef0f3;border-top-left-radius:4px}
.send{width:44px;height:44px;flex:none;border:0;border-radius:50%;background:${color};color:${on};display:grid;place-items:center}
.leave{display:grid;gap:4px;flex:none;padding:12px;border:1px solid #d5dae0;border-radius:12px;background:#f8f9fb}
.leave h3{margin:0;font-size:15px}
.leave .hint{margin:0 0 4px;font-size:13px;color:#454545}
.leave label{font-size:13px;font-weight:600;margin-top:4px}
.leave input,.leave textarea{width:100%;padding:8px 10px;border:1px solid #767676;border-radius:6px;font:inherit;color:#1a1a1a;resize:vertical}
.leave .error{padding:0}
.buttons{display:flex;gap:8px;margin-top:8px}
.primary{min-height:36px;padding:6px 16px;border:0;border-radius:18px;background:${color};color:${on}}
@media (max-width:480px){
.root{right:12px;bottom:12px}
.root.open{inset:0}
.open .panel{position:fixed;inset:0;width:100%;height:100%;border-radius:0}
.open .launch{display:none}
}
@media (prefers-reduced-motion:reduce){.dots i{animation:none;opacity:.7}}
@media (prefers-color-scheme:dark){
.root{color:#e6e6e6}
.panel{background:#1d1f23;box-shadow:0 8px 32px rgba(0,0,0,.6)}
.row.system,.who,.typing,.ts,.leave .hint,.mail .hint,.attach,.pending::after{color:#b8bcc2}
.row.system.joined{color:#8fd4a6}
.avatar{background:#3a3f46;color:#e6e6e6}
.bot .bubble,.row.greeting .bubble{background:#2b2f35}
.agent .bubble{background:#1f3a2a;border-color:#2f5a40}
.chip,.leave,.bubble.file{background:#24272c;color:#e6e6e6;border-color:#8a9099}
.chip:hover{background:#2f333a}
.reject{color:#c8ccd2}
.queue{background:#1f2e42;color:#cfe0f5}
.actions,.composer{border-top-color:#33373d}
.composer textarea,.leave input,.leave textarea,.mail input{background:#15171a;color:#e6e6e6;border-color:#6b7078}
.banner{background:#4d3800;color:#fff4ce}
.error,.failed::after{color:#ff8a80}
}`;
}
