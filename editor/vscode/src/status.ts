// The status bar text for `pob/status`. No `vscode` import (unit-tested under node).

export type PobState = 'booting' | 'loading' | 'ready' | 'error';

export interface PobStatus {
    state: PobState;
    message: string;
    engine: string | null;
    lastRecalcMs: number | null;
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

export function statusView(status: PobStatus): StatusView {
    const label = engineLabel(status.engine);
    const detail = status.message ? `\n${status.message}` : '';
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
    return {
        state,
        message: typeof r.message === 'string' ? r.message : '',
        engine: typeof r.engine === 'string' ? r.engine : null,
        lastRecalcMs: typeof r.lastRecalcMs === 'number' ? r.lastRecalcMs : null,
    };
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
