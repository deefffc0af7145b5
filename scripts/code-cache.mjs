// V8 code cache for the built bundle (issue 17.4): compiling out/main's 3 MB of JavaScript, and then every function
// start-up calls, was ~150 ms of `vigil serve`'s ~900 ms of CPU before its ready line. Node ≥ 22.1 has this built in
// (module.enableCompileCache); on Node 20 this hook does it. The libraries for it (v8-compile-cache, -lib) cache the
// top level only, made at compile time, which measured no gain: the data here is made a few seconds after start, so
// it holds the functions start-up compiled lazily too. A missing, stale or corrupt cache only costs the compile (V8
// checks the data and rejects it); the cache folder is private to the user, since cached code runs as this process.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import Module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';

/** Where the cache lives, or null when it cannot be private to this user (then nothing is cached). */
function cacheDir() {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  const dir = path.join(base, 'vigil', 'code-cache');
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = fs.statSync(dir);
    const mine = typeof process.getuid !== 'function' || st.uid === process.getuid();
    return mine && (st.mode & 0o077) === 0 ? dir : null;
  } catch {
    return null;
  }
}

/** Entries of builds not started for a week go (each build's chunks have new names, so nothing overwrites them). */
function prune(dir) {
  const weekAgo = Date.now() - 7 * 86_400_000;
  try {
    for (const name of fs.readdirSync(dir)) {
      const file = path.join(dir, name);
      if (fs.statSync(file).atimeMs < weekAgo && fs.statSync(file).mtimeMs < weekAgo) fs.rmSync(file, { force: true });
    }
  } catch {
    // another start pruned the same file
  }
}

/**
 * Load files under `root` through the code cache. Data is written `afterMs` after start (timer unref'd: a short
 * command exits without writing), once per file whose cache was missing or rejected.
 */
export function installCodeCache(root, afterMs = 3_000) {
  /** What happened, for tests: files loaded from the cache, and compiled without it. */
  const stats = { fromCache: 0, compiled: 0, dir: null };
  if (process.env.VIGIL_CODE_CACHE === 'off') return stats;
  if (typeof Module.enableCompileCache === 'function') {
    Module.enableCompileCache();
    return stats;
  }
  const dir = cacheDir();
  if (!dir) return stats;
  stats.dir = dir;
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  const toWrite = [];
  const compile = Module.prototype._compile;
  Module.prototype._compile = function (content, filename) {
    if (!filename.startsWith(prefix)) return compile.call(this, content, filename);
    // Keyed by file, size and time, and by V8's version: a rebuilt bundle or another Node gets its own entry.
    const st = fs.statSync(filename);
    const key = createHash('sha256')
      .update(`${filename}\0${st.size}\0${st.mtimeMs}\0${process.version}\0${process.arch}`)
      .digest('hex')
      .slice(0, 32);
    const file = path.join(dir, `${path.basename(filename)}.${key}.bin`);
    let cachedData;
    try {
      cachedData = fs.readFileSync(file);
    } catch {
      cachedData = undefined;
    }
    // Dynamic import() inside the bundle resolves as it would without the hook.
    const importModuleDynamically = vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER;
    const script = new vm.Script(Module.wrap(content), { filename, cachedData, importModuleDynamically });
    if (!cachedData || script.cachedDataRejected) {
      toWrite.push({ script, file });
      stats.compiled++;
    } else stats.fromCache++;
    const require = (id) => this.require(id);
    require.resolve = (request, options) => Module._resolveFilename(request, this, false, options);
    require.main = process.mainModule;
    require.cache = Module._cache;
    const wrapper = script.runInThisContext({ displayErrors: true });
    return wrapper.call(this.exports, this.exports, require, this, filename, path.dirname(filename));
  };
  setTimeout(() => {
    if (toWrite.length) prune(dir);
    for (const { script, file } of toWrite.splice(0)) {
      try {
        // Written whole then renamed: concurrent starts never read half a file.
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        fs.renameSync(tmp, file);
      } catch {
        // a full disk or a read-only home: start-up just compiles, as without a cache
      }
    }
  }, afterMs).unref();
  return stats;
}
