// Settings of the `pob` section: what the server reads (workspace/configuration and
// initializationOptions share one shape) and what only the client uses.
// No `vscode` import here, so node's test runner can load this module.

export interface PobServerSettings {
    engine: string;
    debounce: number;
    hints: { build: boolean; groups: boolean; stats: boolean };
    warnings: { unsupportedMods: boolean; inactiveConfig: boolean };
}

export interface PobClientSettings {
    serverCommand: string[];
    serverPython: string;
    xmlGlobs: string[];
    trace: 'off' | 'messages' | 'verbose';
}

export const DEFAULT_SERVER_SETTINGS: PobServerSettings = {
    engine: '',
    debounce: 150,
    hints: { build: true, groups: true, stats: true },
    warnings: { unsupportedMods: true, inactiveConfig: true },
};

/** Reads one key of the `pob` section ("hints.build", ...); undefined when unset. */
export type SettingGetter = (key: string) => unknown;

function bool(value: unknown, fallback: boolean): boolean {
    return typeof value === 'boolean' ? value : fallback;
}

function str(value: unknown, fallback: string): string {
    return typeof value === 'string' ? value.trim() : fallback;
}

function strings(value: unknown): string[] {
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : [];
}

/** The settings object the server expects, built from the `pob` section; bad values fall back to defaults. */
export function serverSettings(get: SettingGetter): PobServerSettings {
    const d = DEFAULT_SERVER_SETTINGS;
    const debounce = get('debounce');
    return {
        engine: str(get('engine'), d.engine),
        debounce: typeof debounce === 'number' && Number.isFinite(debounce) && debounce >= 0 ? debounce : d.debounce,
        hints: {
            build: bool(get('hints.build'), d.hints.build),
            groups: bool(get('hints.groups'), d.hints.groups),
            stats: bool(get('hints.stats'), d.hints.stats),
        },
        warnings: {
            unsupportedMods: bool(get('warnings.unsupportedMods'), d.warnings.unsupportedMods),
            inactiveConfig: bool(get('warnings.inactiveConfig'), d.warnings.inactiveConfig),
        },
    };
}

export function clientSettings(get: SettingGetter): PobClientSettings {
    const trace = get('trace.server');
    return {
        serverCommand: strings(get('server.command')),
        serverPython: str(get('server.python'), ''),
        xmlGlobs: strings(get('xmlGlobs')),
        trace: trace === 'messages' || trace === 'verbose' ? trace : 'off',
    };
}

/** Keys whose change needs a new server process (the others reach the running server). */
export const RESTART_KEYS = ['pob.server.command', 'pob.server.python', 'pob.trace.server'];

/**
 * `files.associations` with every glob of `pob.xmlGlobs` mapped to the `pob` language.
 * Returns undefined when nothing changes, so the caller writes nothing.
 */
export function associationsWithGlobs(
    current: Record<string, string> | undefined,
    globs: string[],
): Record<string, string> | undefined {
    const next: Record<string, string> = { ...(current ?? {}) };
    let changed = false;
    for (const glob of globs) {
        if (next[glob] !== 'pob') {
            next[glob] = 'pob';
            changed = true;
        }
    }
    return changed ? next : undefined;
}
