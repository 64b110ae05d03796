// End-to-end test of the packaged extension in real VS Code: code-server (VS Code 1.100.3) in
// Debian's headless Chromium, driven by playwright-core. Installs dist/pob-ls.vsix, opens a real
// build and checks squiggles, inlay hints, code lenses, a hover, the status bar and the stat sheet,
// saving screenshots. Exits 77 (and says why) when code-server or Chromium is absent.
//
//   node test/e2e/run.mjs [--build FILE] [--out DIR] [--server-command '["/venv/bin/pob-ls","serve"]']
// Env: CODE_SERVER (binary), POB_CHROMIUM (default /usr/bin/chromium), POB_CODE_SERVER_DIR.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const EXT_ROOT = path.resolve(HERE, '..', '..');
const REPO = path.resolve(EXT_ROOT, '..', '..');
const SKIP = 77;

function arg(name, fallback) {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : fallback;
}

function which(name) {
    for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
        const p = path.join(dir, name);
        try {
            fs.accessSync(p, fs.constants.X_OK);
            return p;
        } catch {}
    }
    return undefined;
}

function findCodeServer() {
    const dir = process.env.POB_CODE_SERVER_DIR ?? path.join(os.homedir(), '.cache', 'pob-ls', 'code-server');
    const candidates = [process.env.CODE_SERVER, path.join(dir, 'node_modules', '.bin', 'code-server'), which('code-server')];
    for (const c of candidates) {
        if (c && fs.existsSync(c)) {
            const v = spawnSync(c, ['--version'], { encoding: 'utf8', timeout: 60000 });
            if (v.status === 0) {
                return { exe: c, version: v.stdout.trim().split('\n')[0] };
            }
        }
    }
    return undefined;
}

function skip(why) {
    console.log(`SKIP: ${why}`);
    process.exit(SKIP);
}

function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.listen(0, '127.0.0.1', () => {
            const { port } = srv.address();
            srv.close(() => resolve(port));
        });
        srv.on('error', reject);
    });
}

async function waitHttp(url, ms) {
    const end = Date.now() + ms;
    while (Date.now() < end) {
        try {
            const res = await fetch(url);
            if (res.status < 500) {
                return;
            }
        } catch {}
        await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`code-server did not answer at ${url}`);
}

const results = [];
function check(name, ok, detail) {
    results.push({ name, ok: Boolean(ok), detail });
    console.log(`${ok ? 'ok' : 'FAIL'} - ${name}${detail ? `: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}` : ''}`);
}

async function main() {
    const cs = findCodeServer();
    if (!cs) {
        skip('code-server not found (run editor/vscode/scripts/install-code-server.sh, or set CODE_SERVER)');
    }
    const chromiumPath = process.env.POB_CHROMIUM ?? '/usr/bin/chromium';
    if (!fs.existsSync(chromiumPath)) {
        skip(`Chromium not found at ${chromiumPath} (apt-get install -y chromium)`);
    }
    let playwright;
    try {
        playwright = await import('playwright-core');
    } catch {
        skip('playwright-core is not installed (npm install in editor/vscode)');
    }
    const vsix = path.join(EXT_ROOT, 'dist', 'pob-ls.vsix');
    if (!fs.existsSync(vsix)) {
        throw new Error(`${vsix} is missing: run \`npm run package\` first`);
    }
    const build = arg('--build', path.join(REPO, '..', 'shared', 'builds', '067-exsanguinate-trickster-3-28.xml'));
    const outDir = path.resolve(arg('--out', path.join(EXT_ROOT, 'test-results')));
    const venvPobLs = path.join(REPO, '.venv', 'bin', 'pob-ls');
    const serverCommand = JSON.parse(arg('--server-command', JSON.stringify(fs.existsSync(venvPobLs) ? [venvPobLs, 'serve'] : [])));
    fs.mkdirSync(outDir, { recursive: true });
    console.log(`code-server ${cs.version} (${cs.exe}); Chromium ${chromiumPath}; server ${JSON.stringify(serverCommand)}`);

    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pob-e2e-'));
    const extDir = path.join(tmp, 'ext');
    const dataDir = path.join(tmp, 'data');
    const ws = path.join(tmp, 'workspace');
    fs.mkdirSync(path.join(dataDir, 'User'), { recursive: true });
    fs.mkdirSync(ws);
    fs.copyFileSync(build, path.join(ws, 'build.pob'));
    fs.writeFileSync(
        path.join(dataDir, 'User', 'settings.json'),
        JSON.stringify(
            {
                'pob.server.command': serverCommand, // machine-overridable: a workspace may override it
                'workbench.startupEditor': 'none',
                'workbench.tips.enabled': false,
                'workbench.enableExperiments': false,
                'security.workspace.trust.enabled': false,
                'telemetry.telemetryLevel': 'off',
                'update.mode': 'none',
                'extensions.autoCheckUpdates': false,
                'extensions.autoUpdate': false,
                'editor.inlayHints.enabled': 'on',
                'editor.codeLens': true,
                'editor.minimap.enabled': false,
                'editor.wordWrap': 'on',
                'chat.commandCenter.enabled': false,
                'workbench.colorTheme': 'Default Dark Modern',
            },
            null,
            2,
        ),
    );

    const install = spawnSync(
        cs.exe,
        ['--extensions-dir', extDir, '--user-data-dir', dataDir, '--install-extension', vsix, '--force'],
        { encoding: 'utf8', timeout: 120000 },
    );
    check('vsix installs into code-server', install.status === 0, (install.stdout + install.stderr).trim().split('\n').pop());
    if (install.status !== 0) {
        return;
    }

    const port = await freePort();
    const server = spawn(
        cs.exe,
        [
            '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check',
            '--disable-workspace-trust', '--disable-getting-started-override', '--extensions-dir', extDir,
            '--user-data-dir', dataDir, ws,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    const csLog = fs.createWriteStream(path.join(outDir, 'code-server.log'));
    server.stdout.pipe(csLog);
    server.stderr.pipe(csLog);
    let browser;
    try {
        await waitHttp(`http://127.0.0.1:${port}/healthz`, 60000);
        browser = await playwright.chromium.launch({
            executablePath: chromiumPath,
            headless: true,
            args: [
                '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
                '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
            ],
        });
        const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
        page.setDefaultTimeout(60000);
        await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(ws)}`);
        await page.waitForSelector('.monaco-workbench', { timeout: 90000 });
        await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 90000 });

        // Open the build through Quick Open.
        await page.locator('.monaco-workbench').click({ position: { x: 800, y: 500 } }).catch(() => {});
        await page.keyboard.press('Control+P');
        await page.waitForSelector('.quick-input-widget input');
        await page.keyboard.type('build.pob');
        await page.waitForSelector('.quick-input-list .monaco-list-row');
        await page.keyboard.press('Enter');
        await page.waitForSelector('.monaco-editor .view-lines');
        const lang = await page.locator('#status\\.editor\\.mode').innerText().catch(() => '');
        check('build.pob opens in the pob language', /Path of Building|pob/i.test(lang), lang.trim());

        // Status bar: the extension's item, fed by pob/status.
        const status = page.locator('.statusbar-item', { hasText: /PoB/ }).first();
        let statusText = '';
        const end = Date.now() + 150000;
        while (Date.now() < end) {
            statusText = (await status.innerText().catch(() => '')).trim();
            if (/PoB \d/.test(statusText) && !/starting|calculating/.test(statusText)) {
                break;
            }
            await page.waitForTimeout(500);
        }
        check('status bar shows the ready engine', /PoB \d+\.\d+/.test(statusText) && !/error/.test(statusText), statusText);

        // Code lenses at the top of the file.
        const lens = page.locator('.monaco-editor .codelens-decoration', { hasText: /Exsanguinate/ }).first();
        await lens.waitFor({ timeout: 60000 }).catch(() => {});
        const lensText = (await lens.innerText().catch(() => '')).trim();
        check('code lens at the top of the file', /Trickster.*Exsanguinate/.test(lensText), lensText.slice(0, 160));

        // Inlay hint after <Build ...>: injected text inside the view lines.
        let hintText = '';
        const hintEnd = Date.now() + 60000;
        while (Date.now() < hintEnd) {
            hintText = await page.locator('.monaco-editor .view-lines').first().innerText().catch(() => '');
            if (/Combined\sDPS\s[\d.]+M/.test(hintText)) {
                break;
            }
            await page.waitForTimeout(500);
        }
        // Code lenses are content widgets, not view lines: this text is the inlay hint (lines wrap).
        const hint = hintText.replace(/\s+/g, ' ').match(/\/?>\s?(Combined DPS [\d.]+M[^<]*)/);
        check('inlay hint after <Build ...>', Boolean(hint), hint ? hint[1].trim() : hintText.slice(0, 200));
        await page.screenshot({ path: path.join(outDir, '1-build-open.png') });

        // Hover on <Build: go to its line, then "Show or Focus Hover".
        const lines = fs.readFileSync(path.join(ws, 'build.pob'), 'utf8').split(/\r?\n/);
        const buildLine = lines.findIndex((l) => /<Build[\s>]/.test(l)) + 1;
        const buildCol = lines[buildLine - 1].indexOf('<Build') + 3;
        await page.keyboard.press('Control+G');
        await page.waitForSelector('.quick-input-widget input');
        await page.keyboard.type(`${buildLine}:${buildCol}`);
        await page.keyboard.press('Enter');
        await page.waitForTimeout(300);
        await page.keyboard.press('Control+K');
        await page.keyboard.press('Control+I');
        const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: /Combined DPS/ }).first();
        await hover.waitFor({ timeout: 60000 }).catch(() => {});
        const hoverText = (await hover.innerText().catch(() => '')).trim();
        check('hover on <Build shows the stat sheet', /Trickster/.test(hoverText) && /Combined DPS/.test(hoverText), hoverText.slice(0, 120));
        await page.waitForTimeout(800); // the hover fades in
        await page.screenshot({ path: path.join(outDir, '2-hover.png') });
        await page.keyboard.press('Escape');

        // Squiggles: the problems counter, then F8 to the first problem and its squiggle.
        const problems = (await page.locator('#status\\.problems').innerText().catch(() => '')).trim();
        const counts = problems.match(/\d+/g)?.map(Number) ?? [];
        check('problems reported', counts.some((n) => n > 0), problems.replace(/\s+/g, ' '));
        await page.keyboard.press('F8');
        const marker = page.locator('.marker-widget, .zone-widget .message', { hasText: /PoB|Config option/ }).first();
        await marker.waitFor({ timeout: 30000 }).catch(() => {});
        const markerText = (await marker.innerText().catch(() => '')).trim();
        const squiggles = await page.locator('.monaco-editor .squiggly-error, .monaco-editor .squiggly-warning, .monaco-editor .squiggly-info').count();
        check('squiggles under PoB problems', squiggles > 0 && markerText.length > 0, { squiggles, marker: markerText.split('\n')[0] });
        await page.screenshot({ path: path.join(outDir, '3-problem.png') });
        await page.keyboard.press('Escape');

        // Command: PoB: Show Stat Sheet (a webview beside the editor).
        await page.keyboard.press('Control+Shift+P');
        await page.waitForSelector('.quick-input-widget input');
        await page.keyboard.type('PoB: Show Stat Sheet');
        await page.waitForSelector('.quick-input-list .monaco-list-row', { hasText: 'Show Stat Sheet' });
        await page.keyboard.press('Enter');
        const tab = page.locator('.tab', { hasText: 'PoB stats: build.pob' }).first();
        await tab.waitFor({ timeout: 60000 }).catch(() => {});
        let sheet = '';
        const sheetEnd = Date.now() + 30000;
        while (Date.now() < sheetEnd && !/Combined DPS/.test(sheet)) {
            for (const frame of page.frames()) {
                const t = await frame.locator('body.pob-stat-sheet').innerText({ timeout: 500 }).catch(() => '');
                if (t) {
                    sheet = t;
                }
            }
            await page.waitForTimeout(500);
        }
        check('stat sheet webview', (await tab.count()) > 0 && /Combined DPS/.test(sheet), sheet.split('\n').slice(0, 2).join(' | '));
        await page.screenshot({ path: path.join(outDir, '4-stat-sheet.png') });

        // A wrong pob.server.command: the settings change restarts the client, which then gives
        // one error naming the setting and the fix, and a red status item (no crash loop).
        // (Workspace settings: code-server watches the workspace, not its user-data folder.)
        fs.mkdirSync(path.join(ws, '.vscode'), { recursive: true });
        fs.writeFileSync(path.join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'pob.server.command': ['/nonexistent/pob-ls', 'serve'] }));
        const toast = page.locator('.notifications-toasts .notification-toast', { hasText: /nonexistent/ }).first();
        await toast.waitFor({ timeout: 60000 }).catch(() => {});
        const toastText = (await toast.innerText().catch(() => '')).replace(/\s+/g, ' ').trim();
        const noServer = (await page.locator('.statusbar-item', { hasText: /PoB: no server/ }).count()) > 0;
        check('a wrong server command is one clear error', /pob\.server\.command/.test(toastText) && noServer, toastText.slice(0, 200));
        await page.screenshot({ path: path.join(outDir, '5-server-missing.png') });
    } finally {
        if (browser) {
            await browser.close().catch(() => {});
        }
        try {
            process.kill(-server.pid, 'SIGTERM');
        } catch {}
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

main()
    .then(() => {
        const failed = results.filter((r) => !r.ok);
        console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
        process.exit(failed.length ? 1 : 0);
    })
    .catch((e) => {
        console.error(e);
        console.log(`${results.filter((r) => r.ok).length} passed, ${results.filter((r) => !r.ok).length + 1} failed`);
        process.exit(1);
    });
