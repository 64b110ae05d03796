// The status bar text for `pob/status`. No `vscode` import (unit-tested under node).

export type PobState = 'booting' | 'loading' | 'ready' | 'error';

/** Which engine computes one open build (`engine` null: no installed engine knows its tree). */
export interface BuildEngine {
    uri: string;
    engine: string | null;
}

export interface PobStatus {
    state: PobState;
    message: string;
    engine: string | null;
    lastRecalcMs: number | null;
    /** Present when the server sends it: every open build and its engine. */
    builds?: BuildEngine[];
}

export interface StatusView {
    text: string;
    tooltip: string;
    /** 'error' and 'warning' colour the item's background. */
    severity: 'none' | 'warning' | 'error';
}

export function formatMs(ms: number): string {
    if (ms < 1000) {
        return `${Math.round(ms)} ms`;
    }
    return `${(ms / 1000).toFixed(ms < 10000 ? 1 : 0)} s`;
}

function engineLabel(engine: string | null): string {
    if (!engine) {
        return 'PoB';
    }
    return /^PoB\b/.test(engine) ? engine : `PoB ${engine}`;
}

function fileName(uri: string): string {
    const tail = uri.split(/[\\/]/).pop() ?? uri;
    try {
        return decodeURIComponent(tail);
    } catch {
        return tail;
    }
}

/** "Engines per build" lines for the tooltip; empty when the server sent none. */
export function buildEngineLines(builds: BuildEngine[] | undefined): string {
    if (!builds || builds.length === 0) {
        return '';
    }
    const lines = builds.map((b) => `• ${fileName(b.uri)}: ${b.engine ?? 'no installed PoB knows its tree'}`);
    return `\nEngines per build:\n${lines.join('\n')}`;
}

export function statusView(status: PobStatus): StatusView {
    const label = engineLabel(status.engine);
    const detail = (status.message ? `\n${status.message}` : '') + buildEngineLines(status.builds);
    switch (status.state) {
        case 'booting':
            return { text: `$(sync~spin) ${label}: starting`, tooltip: `Starting the PoB engine${detail}`, severity: 'none' };
        case 'loading':
            return { text: `$(sync~spin) ${label}: calculating`, tooltip: `PoB is calculating the build${detail}`, severity: 'none' };
        case 'ready': {
            const took = status.lastRecalcMs !== null ? ` · ${formatMs(status.lastRecalcMs)}` : '';
            const last = status.lastRecalcMs !== null ? `\nLast recalculation: ${formatMs(status.lastRecalcMs)}` : '';
            return { text: `$(check) ${label}${took}`, tooltip: `PoB engine ready${last}${detail}`, severity: 'none' };
        }
        case 'error':
            return {
                text: `$(error) ${label}: error`,
                tooltip: `${status.message || 'The PoB engine failed'}\nClick to install or pick a PoB engine.`,
                severity: 'error',
            };
        default:
            return { text: `$(question) ${label}`, tooltip: String(status.message ?? ''), severity: 'warning' };
    }
}

/** Accepts a `pob/status` payload defensively (the server may add fields). */
export function parseStatus(raw: unknown): PobStatus | undefined {
    if (!raw || typeof raw !== 'object') {
        return undefined;
    }
    const r = raw as Record<string, unknown>;
    const state = r.state;
    if (state !== 'booting' && state !== 'loading' && state !== 'ready' && state !== 'error') {
        return undefined;
    }
    const status: PobStatus = {
        state,
        message: typeof r.message === 'string' ? r.message : '',
        engine: typeof r.engine === 'string' ? r.engine : null,
        lastRecalcMs: typeof r.lastRecalcMs === 'number' ? r.lastRecalcMs : null,
    };
    if (Array.isArray(r.builds)) {
        status.builds = r.builds
            .filter((b): b is Record<string, unknown> => !!b && typeof b === 'object' && typeof (b as Record<string, unknown>).uri === 'string')
            .map((b) => ({ uri: b.uri as string, engine: typeof b.engine === 'string' ? b.engine : null }));
    }
    return status;
}

/** One installed engine from `pob-ls engine list` (tab-separated: version, path, notes). */
export interface EngineEntry {
    version: string;
    path: string;
    notes: string;
}

export function parseEngineList(stdout: string): EngineEntry[] {
    return stdout
        .split(/\r?\n/)
        .map((line) => line.split('\t'))
        .filter((cols) => cols.length >= 2 && cols[0].trim() !== '')
        .map(([version, p, ...rest]) => ({ version: version.trim(), path: p.trim(), notes: rest.join(' ').trim() }));
}
