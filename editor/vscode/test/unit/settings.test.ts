import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientSettings, DEFAULT_SERVER_SETTINGS, RESTART_KEYS, serverSettings } from '../../src/settings';

const getter = (values: Record<string, unknown>) => (key: string) => values[key];

test('defaults when nothing is set', () => {
    assert.deepEqual(serverSettings(getter({})), DEFAULT_SERVER_SETTINGS);
});

test('maps the flat pob.* keys onto the server shape', () => {
    const s = serverSettings(
        getter({
            engine: ' 2.55.5 ',
            debounce: 750,
            'hints.build': false,
            'hints.groups': true,
            'hints.stats': false,
            'warnings.unsupportedMods': false,
            'warnings.inactiveConfig': true,
        }),
    );
    assert.deepEqual(s, {
        engine: '2.55.5',
        debounce: 750,
        hints: { build: false, groups: true, stats: false },
        warnings: { unsupportedMods: false, inactiveConfig: true },
    });
});

test('bad values fall back to the defaults', () => {
    const s = serverSettings(getter({ engine: 42, debounce: -5, 'hints.build': 'no', 'warnings.inactiveConfig': null }));
    assert.equal(s.engine, '');
    assert.equal(s.debounce, DEFAULT_SERVER_SETTINGS.debounce);
    assert.equal(s.hints.build, true);
    assert.equal(s.warnings.inactiveConfig, true);
    assert.equal(serverSettings(getter({ debounce: Number.NaN })).debounce, DEFAULT_SERVER_SETTINGS.debounce);
});

test('the server settings hold only what the server reads', () => {
    const s = serverSettings(getter({ 'server.command': ['x'], xmlGlobs: ['**/*.xml'] }));
    assert.deepEqual(Object.keys(s).sort(), ['debounce', 'engine', 'hints', 'warnings']);
});

test('client settings', () => {
    const c = clientSettings(
        getter({ 'server.command': ['/v/bin/pob-ls', 'serve', '', 3], 'server.python': ' /usr/bin/python3 ', xmlGlobs: ['**/Builds/*.xml'], 'trace.server': 'verbose' }),
    );
    assert.deepEqual(c, {
        serverCommand: ['/v/bin/pob-ls', 'serve'],
        serverPython: '/usr/bin/python3',
        xmlGlobs: ['**/Builds/*.xml'],
        trace: 'verbose',
    });
    assert.equal(clientSettings(getter({ 'trace.server': 'loud' })).trace, 'off');
});

test('changing how the server starts restarts it; the rest does not', () => {
    assert.ok(RESTART_KEYS.includes('pob.server.command'));
    assert.ok(RESTART_KEYS.includes('pob.server.python'));
    assert.ok(!RESTART_KEYS.includes('pob.engine'));
});

test('package.json declares every setting the server reads, with matching defaults', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
    const props = pkg.contributes.configuration.properties as Record<string, { default: unknown }>;
    const flat: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries(props)) {
        flat[key.replace(/^pob\./, '')] = spec.default;
    }
    assert.deepEqual(serverSettings(getter(flat)), DEFAULT_SERVER_SETTINGS);
    for (const key of ['engine', 'debounce', 'hints.build', 'hints.groups', 'hints.stats', 'warnings.unsupportedMods', 'warnings.inactiveConfig']) {
        assert.ok(`pob.${key}` in props, `pob.${key} is contributed`);
    }
    for (const cmd of ['pob.restartServer', 'pob.showStatSheet', 'pob.copyShareCode', 'pob.installEngine']) {
        assert.ok(pkg.contributes.commands.some((c: { command: string }) => c.command === cmd), cmd);
    }
});
