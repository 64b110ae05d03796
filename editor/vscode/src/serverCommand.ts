// Which process to start as the language server. No `vscode` import (unit-tested under node).
import * as path from 'path';

export interface ServerCommand {
    command: string;
    args: string[];
    /** How it was found, for the logs. */
    source: 'setting' | 'path' | 'workspace' | 'python';
}

export interface ResolveInput {
    /** `pob.server.command`: the full command line, e.g. ["/venv/bin/pob-ls", "serve"]. */
    configuredCommand: string[];
    /** `pob.server.python`: an interpreter that has pob-ls installed. */
    configuredPython: string;
    /** Folders of the open workspace (a `.venv` there is tried after PATH). */
    workspaceFolders: string[];
    /** Finds an executable on PATH (or checks an absolute path); undefined when absent. */
    which: (name: string) => string | undefined;
    /** Whether an interpreter can `import pob_ls`. */
    canImportPobLs: (python: string) => Promise<boolean>;
    platform?: NodeJS.Platform;
}

export class ServerNotFoundError extends Error {
    constructor(message: string, readonly fix: string) {
        super(message);
        this.name = 'ServerNotFoundError';
    }
}

export const INSTALL_HINT =
    'Install it with `pipx install pob-ls` (or `pip install pob-ls` in a virtual environment) so that ' +
    '`pob-ls` is on PATH, or set `pob.server.command` (e.g. ["/path/to/venv/bin/pob-ls", "serve"]) ' +
    'or `pob.server.python` to an interpreter that has pob-ls installed.';

function venvCandidates(folder: string, platform: NodeJS.Platform): string[] {
    const names = ['.venv', 'venv'];
    return platform === 'win32'
        ? names.map((n) => path.join(folder, n, 'Scripts', 'pob-ls.exe'))
        : names.map((n) => path.join(folder, n, 'bin', 'pob-ls'));
}

/**
 * The server command: `pob.server.command`, else `pob-ls serve` from PATH, else a workspace
 * `.venv`'s pob-ls, else `<python> -m pob_ls.cli serve`. Throws ServerNotFoundError with a fix.
 */
export async function resolveServerCommand(input: ResolveInput): Promise<ServerCommand> {
    const platform = input.platform ?? process.platform;
    if (input.configuredCommand.length > 0) {
        const [command, ...args] = input.configuredCommand;
        if (!input.which(command)) {
            throw new ServerNotFoundError(
                `pob.server.command: "${command}" was not found or is not executable.`,
                'Fix `pob.server.command` in the settings: its first item must be the path of an ' +
                    'executable (e.g. ["/path/to/venv/bin/pob-ls", "serve"]).',
            );
        }
        return { command, args, source: 'setting' };
    }
    const onPath = input.which(platform === 'win32' ? 'pob-ls.exe' : 'pob-ls') ?? input.which('pob-ls');
    if (onPath) {
        return { command: onPath, args: ['serve'], source: 'path' };
    }
    for (const folder of input.workspaceFolders) {
        for (const candidate of venvCandidates(folder, platform)) {
            if (input.which(candidate)) {
                return { command: candidate, args: ['serve'], source: 'workspace' };
            }
        }
    }
    const pythons = input.configuredPython
        ? [input.configuredPython]
        : platform === 'win32'
          ? ['python', 'py']
          : ['python3', 'python'];
    for (const python of pythons) {
        const found = input.which(python);
        if (!found) {
            if (input.configuredPython) {
                throw new ServerNotFoundError(
                    `pob.server.python: "${python}" was not found.`,
                    'Set `pob.server.python` to the path of a Python interpreter that has pob-ls installed.',
                );
            }
            continue;
        }
        if (await input.canImportPobLs(found)) {
            return { command: found, args: ['-m', 'pob_ls.cli', 'serve'], source: 'python' };
        }
        if (input.configuredPython) {
            throw new ServerNotFoundError(
                `pob.server.python: "${found}" cannot import pob_ls.`,
                `Install pob-ls into that interpreter (\`${found} -m pip install pob-ls\`), or ${INSTALL_HINT}`,
            );
        }
    }
    throw new ServerNotFoundError('The pob-ls language server was not found.', INSTALL_HINT);
}

/** The `pob-ls` CLI prefix matching a server command (for `engine install`, `engine list`). */
export function cliPrefix(server: ServerCommand): string[] {
    const full = [server.command, ...server.args];
    const serve = full.lastIndexOf('serve');
    const prefix = serve >= 1 ? full.slice(0, serve) : full;
    return prefix;
}

/** Quotes a command line for a POSIX shell or PowerShell terminal. */
export function shellQuote(argv: string[], platform: NodeJS.Platform = process.platform): string {
    if (platform === 'win32') {
        const quoted = argv.map((a) => (/^[\w@%+=:,./\\-]+$/.test(a) ? a : `'${a.replace(/'/g, "''")}'`));
        return `& ${quoted.join(' ')}`;
    }
    return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(' ');
}

/** A `which` for real file systems. */
export function makeWhich(
    env: NodeJS.ProcessEnv,
    isExecutable: (file: string) => boolean,
    platform: NodeJS.Platform = process.platform,
): (name: string) => string | undefined {
    return (name: string) => {
        if (path.isAbsolute(name) || name.includes('/') || (platform === 'win32' && name.includes('\\'))) {
            return isExecutable(name) ? name : undefined;
        }
        const dirs = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter(Boolean);
        const exts = platform === 'win32' ? ['', ...(env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';')] : [''];
        for (const dir of dirs) {
            for (const ext of exts) {
                const candidate = path.join(dir, name + ext);
                if (isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        return undefined;
    };
}
