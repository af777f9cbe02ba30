// The renderer's one Content-Security-Policy. The Electron session and the web server send it as a
// header; the build writes it into index.html as a meta tag (which cannot carry frame-ancestors).
// 'wasm-unsafe-eval' lets the tfjs wasm backend compile its module; nothing allows eval of JS.
const DIRECTIVES = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
]

export const CONTENT_SECURITY_POLICY = DIRECTIVES.join('; ')
export const META_CONTENT_SECURITY_POLICY = DIRECTIVES.filter((d) => !d.startsWith('frame-ancestors')).join('; ')
