import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RestartPolicy } from '../../src/restartPolicy';
import { formatMs, parseEngineList, parseStatus, statusView } from '../../src/status';

test('ready shows the engine and the last recalculation time', () => {
    const v = statusView({ state: 'ready', message: '', engine: '2.63.0', lastRecalcMs: 142.6 });
    assert.equal(v.text, '$(check) PoB 2.63.0 · 143 ms');
    assert.match(v.tooltip, /Last recalculation: 143 ms/);
    assert.equal(v.severity, 'none');
});

test('an engine label that already says PoB is not doubled', () => {
    assert.equal(statusView({ state: 'ready', message: '', engine: 'PoB 2.63.0', lastRecalcMs: 20 }).text, '$(check) PoB 2.63.0 · 20 ms');
});

test('ready before any recalculation', () => {
    assert.equal(statusView({ state: 'ready', message: '', engine: null, lastRecalcMs: null }).text, '$(check) PoB');
});

test('booting and loading spin', () => {
    assert.equal(statusView({ state: 'booting', message: 'starting LuaJIT', engine: '2.63.0', lastRecalcMs: null }).text, '$(sync~spin) PoB 2.63.0: starting');
    assert.match(statusView({ state: 'loading', message: '', engine: null, lastRecalcMs: 1 }).text, /sync~spin.*calculating/);
});

test('error is red and says what to do', () => {
    const v = statusView({ state: 'error', message: 'no PoB engine found', engine: null, lastRecalcMs: null });
    assert.equal(v.severity, 'error');
    assert.equal(v.text, '$(error) PoB: error');
    assert.match(v.tooltip, /no PoB engine found/);
    assert.match(v.tooltip, /install or pick/);
});

test('formatMs', () => {
    assert.equal(formatMs(0), '0 ms');
    assert.equal(formatMs(999.4), '999 ms');
    assert.equal(formatMs(1234), '1.2 s');
    assert.equal(formatMs(25000), '25 s');
});

test('parseStatus accepts the contract and tolerates extra or missing fields', () => {
    assert.deepEqual(parseStatus({ state: 'ready', message: 'ok', engine: '2.63.0', lastRecalcMs: 12, extra: 1 }), {
        state: 'ready',
        message: 'ok',
        engine: '2.63.0',
        lastRecalcMs: 12,
    });
    assert.deepEqual(parseStatus({ state: 'loading' }), { state: 'loading', message: '', engine: null, lastRecalcMs: null });
    assert.equal(parseStatus({ state: 'weird' }), undefined);
    assert.equal(parseStatus(null), undefined);
    assert.equal(parseStatus('ready'), undefined);
});

test('builds say which engine computes each one, in the tooltip', () => {
    const status = parseStatus({
        state: 'ready',
        message: '',
        engine: 'PoB 2.63.0',
        lastRecalcMs: 30,
        builds: [
            { uri: 'file:///b/065%20guardian.pob', engine: 'PoB 2.63.0' },
            { uri: 'file:///b/079.pob', engine: null },
            { nonsense: 1 },
        ],
    });
    assert.ok(status);
    assert.deepEqual(status.builds, [
        { uri: 'file:///b/065%20guardian.pob', engine: 'PoB 2.63.0' },
        { uri: 'file:///b/079.pob', engine: null },
    ]);
    const v = statusView(status);
    assert.equal(v.text, '$(check) PoB 2.63.0 · 30 ms');
    assert.match(v.tooltip, /Engines per build:\n• 065 guardian\.pob: PoB 2\.63\.0\n• 079\.pob: no installed PoB knows its tree/);
    assert.equal(parseStatus({ state: 'ready' })?.builds, undefined);
});

test('parseEngineList reads `pob-ls engine list`', () => {
    const out = '2.63.0\t/root/.local/share/pob-ls/engines/2.63.0\tverified 1179; missing trees 3_16\n2.55.5\t/e/2.55.5\tverified 877\n\n';
    assert.deepEqual(parseEngineList(out), [
        { version: '2.63.0', path: '/root/.local/share/pob-ls/engines/2.63.0', notes: 'verified 1179; missing trees 3_16' },
        { version: '2.55.5', path: '/e/2.55.5', notes: 'verified 877' },
    ]);
    assert.deepEqual(parseEngineList(''), []);
});

test('restart policy: bounded restarts within the window, then none', () => {
    let now = 0;
    const p = new RestartPolicy(3, 60_000, () => now);
    assert.equal(p.shouldRestart(), true);
    now += 1000;
    assert.equal(p.shouldRestart(), true);
    now += 1000;
    assert.equal(p.shouldRestart(), true);
    now += 1000;
    assert.equal(p.shouldRestart(), false, 'the fourth crash within a minute is not restarted');
    now += 120_000;
    assert.equal(p.shouldRestart(), true, 'old crashes age out of the window');
    p.reset();
    assert.equal(p.recentCrashes, 0);
});
