import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { cliPrefix, makeWhich, resolveServerCommand, ResolveInput, ServerNotFoundError, shellQuote } from '../../src/serverCommand';

function input(over: Partial<ResolveInput> & { present?: string[]; importable?: string[] }): ResolveInput {
    const present = new Set(over.present ?? []);
    return {
        configuredCommand: [],
        configuredPython: '',
        workspaceFolders: [],
        which: (name) => (present.has(name) ? (name.startsWith('/') ? name : `/usr/bin/${name}`) : undefined),
        canImportPobLs: async (py) => (over.importable ?? []).includes(py),
        platform: 'linux',
        ...over,
    };
}

test('the pob.server.command setting wins', async () => {
    const cmd = await resolveServerCommand(input({ configuredCommand: ['/venv/bin/pob-ls', 'serve', '--log', 'x'], present: ['/venv/bin/pob-ls', 'pob-ls'] }));
    assert.deepEqual(cmd, { command: '/venv/bin/pob-ls', args: ['serve', '--log', 'x'], source: 'setting' });
});

test('a pob.server.command that does not exist is an error with a fix, not a fallback', async () => {
    await assert.rejects(resolveServerCommand(input({ configuredCommand: ['/nope/pob-ls', 'serve'], present: ['pob-ls'] })), (e: unknown) => {
        assert.ok(e instanceof ServerNotFoundError);
        assert.match(e.message, /\/nope\/pob-ls/);
        assert.match(e.fix, /pob\.server\.command/);
        return true;
    });
});

test('pob-ls on PATH comes next, with `serve` and without --stdio', async () => {
    const cmd = await resolveServerCommand(input({ present: ['pob-ls', 'python3'], importable: ['/usr/bin/python3'] }));
    assert.deepEqual(cmd, { command: '/usr/bin/pob-ls', args: ['serve'], source: 'path' });
});

test('then a .venv of the workspace', async () => {
    const cmd = await resolveServerCommand(input({ workspaceFolders: ['/ws'], present: ['/ws/.venv/bin/pob-ls', 'python3'], importable: ['/usr/bin/python3'] }));
    assert.deepEqual(cmd, { command: '/ws/.venv/bin/pob-ls', args: ['serve'], source: 'workspace' });
});

test('then python -m pob_ls.cli serve', async () => {
    const cmd = await resolveServerCommand(input({ present: ['python3'], importable: ['/usr/bin/python3'] }));
    assert.deepEqual(cmd, { command: '/usr/bin/python3', args: ['-m', 'pob_ls.cli', 'serve'], source: 'python' });
    const py = await resolveServerCommand(input({ configuredPython: '/opt/py/bin/python', present: ['/opt/py/bin/python'], importable: ['/opt/py/bin/python'] }));
    assert.deepEqual(py.args, ['-m', 'pob_ls.cli', 'serve']);
    assert.equal(py.command, '/opt/py/bin/python');
});

test('a pob.server.python without pob_ls says how to install it', async () => {
    await assert.rejects(resolveServerCommand(input({ configuredPython: '/opt/py/bin/python', present: ['/opt/py/bin/python'] })), (e: unknown) => {
        assert.ok(e instanceof ServerNotFoundError);
        assert.match(e.message, /cannot import pob_ls/);
        assert.match(e.fix, /\/opt\/py\/bin\/python -m pip install pob-ls/);
        return true;
    });
    await assert.rejects(resolveServerCommand(input({ configuredPython: '/missing/python' })), /was not found/);
});

test('nothing found: one error naming every way to fix it', async () => {
    await assert.rejects(resolveServerCommand(input({ present: ['python3'] })), (e: unknown) => {
        assert.ok(e instanceof ServerNotFoundError);
        assert.match(e.message, /not found/);
        for (const hint of ['pipx install pob-ls', 'pob.server.command', 'pob.server.python', 'PATH']) {
            assert.ok(e.fix.includes(hint), hint);
        }
        return true;
    });
});

test('the CLI prefix drops `serve` and what follows', () => {
    assert.deepEqual(cliPrefix({ command: '/usr/bin/pob-ls', args: ['serve'], source: 'path' }), ['/usr/bin/pob-ls']);
    assert.deepEqual(cliPrefix({ command: 'python3', args: ['-m', 'pob_ls.cli', 'serve'], source: 'python' }), ['python3', '-m', 'pob_ls.cli']);
    assert.deepEqual(cliPrefix({ command: 'docker', args: ['run', 'img', 'pob-ls', 'serve', '--stdio'], source: 'setting' }), ['docker', 'run', 'img', 'pob-ls']);
});

test('shell quoting for the install terminal', () => {
    assert.equal(shellQuote(['pob-ls', 'engine', 'install', '--from', '/home/me/Path of Building']), "pob-ls engine install --from '/home/me/Path of Building'");
    assert.equal(shellQuote(['a', "it's"]), "a 'it'\\''s'");
    assert.equal(shellQuote(['C:\\PoB\\pob-ls.exe', 'x y'], 'win32'), "& C:\\PoB\\pob-ls.exe 'x y'");
});

test('makeWhich finds executables on PATH and checks absolute paths', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pobwhich-'));
    const exe = path.join(dir, 'pob-ls');
    fs.writeFileSync(exe, '#!/bin/sh\n');
    fs.chmodSync(exe, 0o755);
    fs.writeFileSync(path.join(dir, 'notexec'), '');
    const isExec = (f: string) => {
        try {
            fs.accessSync(f, fs.constants.X_OK);
            return fs.statSync(f).isFile();
        } catch {
            return false;
        }
    };
    const which = makeWhich({ PATH: `/definitely/missing${path.delimiter}${dir}` }, isExec, 'linux');
    assert.equal(which('pob-ls'), exe);
    assert.equal(which('notexec'), undefined);
    assert.equal(which(exe), exe);
    assert.equal(which(path.join(dir, 'nope')), undefined);
    fs.rmSync(dir, { recursive: true });
});
