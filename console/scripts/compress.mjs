// gzip each built text file beside itself (name.js.gz): the gateway sends the .gz to a
// browser that accepts it, so no CPU is spent compressing at every request.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

const TEXT = /\.(js|css|html|svg|json)$/
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) walk(path)
    else if (TEXT.test(name) && statSync(path).size > 1024) writeFileSync(path + '.gz', gzipSync(readFileSync(path), { level: 9 }))
  }
}
walk(process.argv[2] || 'dist')
