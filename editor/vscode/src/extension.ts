import { execFile } from 'child_process';
import * as fs from 'fs';
import * as vscode from 'vscode';
import {
    CloseAction,
    CloseHandlerResult,
    DidChangeConfigurationNotification,
    ErrorAction,
    ErrorHandlerResult,
    Executable,
    LanguageClient,
    LanguageClientOptions,
    RevealOutputChannelOn,
    State,
    Trace,
} from 'vscode-languageclient/node';
import { RestartPolicy } from './restartPolicy';
import {
    cliPrefix,
    makeWhich,
    resolveServerCommand,
    ServerCommand,
    ServerNotFoundError,
    shellQuote,
} from './serverCommand';
import { clientSettings, RESTART_KEYS, serverSettings } from './settings';
import { parseEngineList, parseStatus, PobStatus, statusView } from './status';
import { StatSheetPanel } from './statSheet';

const SECTION = 'pob';

let client: LanguageClient | undefined;
let serverCommand: ServerCommand | undefined;
let log: vscode.LogOutputChannel;
let statusItem: vscode.StatusBarItem;
let starting: Promise<void> | undefined;
let lastStatus: PobStatus | undefined;
const policy = new RestartPolicy(3, 3 * 60 * 1000);
const clientDisposables: vscode.Disposable[] = [];

function section(scope?: vscode.ConfigurationScope) {
    const cfg = vscode.workspace.getConfiguration(SECTION, scope);
    return (key: string) => cfg.get(key);
}

function isExecutable(file: string): boolean {
    try {
        fs.accessSync(file, process.platform === 'win32' ? fs.constants.F_OK : fs.constants.X_OK);
        return fs.statSync(file).isFile();
    } catch {
        return false;
    }
}

function canImportPobLs(python: string): Promise<boolean> {
    return new Promise((resolve) => {
        execFile(python, ['-c', 'import pob_ls.cli'], { timeout: 20000 }, (err) => resolve(!err));
    });
}

async function findServer(): Promise<ServerCommand> {
    const cs = clientSettings(section());
    return resolveServerCommand({
        configuredCommand: cs.serverCommand,
        configuredPython: cs.serverPython,
        workspaceFolders: (vscode.workspace.workspaceFolders ?? [])
            .filter((f) => f.uri.scheme === 'file')
            .map((f) => f.uri.fsPath),
        which: makeWhich(process.env, isExecutable),
        canImportPobLs,
    });
}

function setStatus(text: string, tooltip: string, severity: 'none' | 'warning' | 'error', command: string) {
    statusItem.text = text;
    statusItem.tooltip = tooltip;
    statusItem.command = command;
    statusItem.backgroundColor =
        severity === 'error'
            ? new vscode.ThemeColor('statusBarItem.errorBackground')
            : severity === 'warning'
              ? new vscode.ThemeColor('statusBarItem.warningBackground')
              : undefined;
    statusItem.show();
}

function onStatus(raw: unknown) {
    const status = parseStatus(raw);
    if (!status) {
        log.warn(`pob/status: ignored ${JSON.stringify(raw)}`);
        return;
    }
    lastStatus = status;
    const view = statusView(status);
    log.info(`status: ${status.state} ${status.engine ?? ''} ${status.message}`.trim());
    setStatus(view.text, view.tooltip, view.severity, status.state === 'error' ? 'pob.installEngine' : 'pob.showStatSheet');
    if (status.state === 'ready') {
        StatSheetPanel.refreshAll();
    }
}

async function showServerError(message: string, fix: string) {
    log.error(`${message} ${fix}`);
    setStatus('$(error) PoB: no server', `${message}\n${fix}`, 'error', 'pob.restartServer');
    const choice = await vscode.window.showErrorMessage(`${message} ${fix}`, 'Open Settings', 'Show Logs', 'Retry');
    if (choice === 'Open Settings') {
        await vscode.commands.executeCommand('workbench.action.openSettings', 'pob.server');
    } else if (choice === 'Show Logs') {
        log.show();
    } else if (choice === 'Retry') {
        await restartServer();
    }
}

function makeClient(cmd: ServerCommand): LanguageClient {
    const cwd = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath;
    // No `transport`: the client then speaks stdio without appending `--stdio`.
    const run: Executable = { command: cmd.command, args: cmd.args, options: { cwd, env: { ...process.env } } };
    const clientOptions: LanguageClientOptions = {
        documentSelector: [
            { scheme: 'file', language: 'pob' },
            { scheme: 'untitled', language: 'pob' },
        ],
        outputChannel: log,
        revealOutputChannelOn: RevealOutputChannelOn.Never,
        initializationOptions: serverSettings(section()),
        errorHandler: {
            error: (error, message, count): ErrorHandlerResult => {
                log.error(`connection error: ${error.message} ${count ?? ''}`);
                return { action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown };
            },
            closed: (): CloseHandlerResult => {
                if (policy.shouldRestart()) {
                    log.warn(`the server exited; restarting (${policy.recentCrashes}/${policy.max} in 3 minutes)`);
                    return { action: CloseAction.Restart, handled: true };
                }
                const msg =
                    `The pob-ls server exited ${policy.recentCrashes} times in 3 minutes and was not restarted. ` +
                    'See the "Path of Building" output for its error, then run "PoB: Restart Language Server".';
                setStatus('$(error) PoB: server stopped', msg, 'error', 'pob.restartServer');
                void vscode.window.showErrorMessage(msg, 'Show Logs', 'Restart').then((c) => {
                    if (c === 'Show Logs') {
                        log.show();
                    } else if (c === 'Restart') {
                        void restartServer();
                    }
                });
                return { action: CloseAction.DoNotRestart, handled: true };
            },
        },
        middleware: {
            workspace: {
                configuration: async (params, token, next) => {
                    const result = await next(params, token);
                    if (!Array.isArray(result)) {
                        return result;
                    }
                    return params.items.map((item, i) => {
                        if (item.section !== SECTION) {
                            return result[i];
                        }
                        const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined;
                        return serverSettings(section(scope));
                    });
                },
            },
        },
    };
    const c = new LanguageClient('pob', 'Path of Building', { run, debug: run }, clientOptions);
    clientDisposables.push(
        c.onNotification('pob/status', onStatus),
        c.onDidChangeState((e) => {
            log.info(`client state: ${State[e.oldState]} -> ${State[e.newState]}`);
            if (e.newState === State.Starting) {
                setStatus('$(sync~spin) PoB: starting', 'Starting pob-ls', 'none', 'pob.showLogs');
            }
        }),
    );
    return c;
}

async function startServer(): Promise<void> {
    if (client || starting) {
        return starting;
    }
    starting = (async () => {
        try {
            serverCommand = await findServer();
        } catch (e) {
            if (e instanceof ServerNotFoundError) {
                void showServerError(e.message, e.fix);
                return;
            }
            throw e;
        }
        log.info(`server: ${shellQuote([serverCommand.command, ...serverCommand.args])} (from ${serverCommand.source})`);
        const c = makeClient(serverCommand);
        client = c;
        const trace = clientSettings(section()).trace;
        try {
            await c.start();
            await c.setTrace(trace === 'verbose' ? Trace.Verbose : trace === 'messages' ? Trace.Messages : Trace.Off);
            if (!lastStatus) {
                setStatus('$(check) PoB', 'pob-ls is running', 'none', 'pob.showStatSheet');
            }
        } catch (e) {
            const msg = e instanceof Error ? e.message : String(e);
            void showServerError(
                `pob-ls failed to start (${shellQuote([serverCommand.command, ...serverCommand.args])}): ${msg}.`,
                'Check that `pob-ls serve` runs in a terminal, or fix `pob.server.command` / `pob.server.python`.',
            );
            await disposeClient();
        }
    })().finally(() => {
        starting = undefined;
    });
    return starting;
}

async function disposeClient(): Promise<void> {
    const c = client;
    client = undefined;
    lastStatus = undefined;
    clientDisposables.splice(0).forEach((d) => d.dispose());
    if (c) {
        try {
            if (c.state !== State.Stopped) {
                await c.stop(5000);
            }
        } catch (e) {
            log.warn(`stopping the server: ${e instanceof Error ? e.message : String(e)}`);
        }
        try {
            await c.dispose(2000);
        } catch {
            // already stopped
        }
    }
}

async function restartServer(): Promise<void> {
    if (starting) {
        await starting;
    }
    log.info('restarting the server');
    policy.reset();
    await disposeClient();
    await startServer();
}

function pobEditor(): vscode.TextEditor | undefined {
    const editor = vscode.window.activeTextEditor;
    if (editor && editor.document.languageId === 'pob') {
        return editor;
    }
    const visible = vscode.window.visibleTextEditors.filter((e) => e.document.languageId === 'pob');
    return visible.length === 1 ? visible[0] : undefined;
}

async function runningClient(): Promise<LanguageClient | undefined> {
    await startServer();
    if (!client || client.state !== State.Running) {
        void vscode.window.showErrorMessage('The pob-ls server is not running. See the "Path of Building" output.', 'Show Logs').then(
            (c) => c && log.show(),
        );
        return undefined;
    }
    return client;
}

async function fetchStatSheet(uri: vscode.Uri): Promise<string> {
    const c = await runningClient();
    if (!c) {
        throw new Error('the pob-ls server is not running');
    }
    const res = await c.sendRequest<{ markdown: string }>('pob/statSheet', { uri: c.code2ProtocolConverter.asUri(uri) });
    return res.markdown;
}

async function showStatSheet(context: vscode.ExtensionContext, uri?: vscode.Uri) {
    const target = uri ?? pobEditor()?.document.uri;
    if (!target) {
        void vscode.window.showWarningMessage('Open a Path of Building build (.pob) first.');
        return;
    }
    await StatSheetPanel.show(context, target, fetchStatSheet, log);
}

async function copyShareCode(uri?: vscode.Uri) {
    const target = uri ?? pobEditor()?.document.uri;
    if (!target) {
        void vscode.window.showWarningMessage('Open a Path of Building build (.pob) first.');
        return;
    }
    const c = await runningClient();
    if (!c) {
        return;
    }
    try {
        const res = await c.sendRequest<{ code: string }>('pob/shareCode', { uri: c.code2ProtocolConverter.asUri(target) });
        await vscode.env.clipboard.writeText(res.code);
        void vscode.window.showInformationMessage(`PoB share code copied to the clipboard (${res.code.length} characters).`);
    } catch (e) {
        void vscode.window.showErrorMessage(`Could not make a share code: ${e instanceof Error ? e.message : String(e)}`);
    }
}

function runCli(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
    return new Promise((resolve) => {
        if (!serverCommand) {
            resolve({ stdout: '', stderr: 'pob-ls was not found', code: 127 });
            return;
        }
        const [cmd, ...prefix] = cliPrefix(serverCommand);
        execFile(cmd, [...prefix, ...args], { timeout: 60000 }, (err, stdout, stderr) => {
            const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
            resolve({ stdout: String(stdout), stderr: String(stderr), code });
        });
    });
}

async function runCliTask(title: string, args: string[]): Promise<number | undefined> {
    if (!serverCommand) {
        return undefined;
    }
    const argv = [...cliPrefix(serverCommand), ...args];
    const task = new vscode.Task(
        { type: 'process', id: 'pob-engine' },
        vscode.TaskScope.Workspace,
        title,
        'pob',
        new vscode.ProcessExecution(argv[0], argv.slice(1)),
    );
    task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, panel: vscode.TaskPanelKind.Dedicated, clear: true };
    log.info(`running: ${shellQuote(argv)}`);
    const execution = await vscode.tasks.executeTask(task);
    return new Promise((resolve) => {
        const sub = vscode.tasks.onDidEndTaskProcess((e) => {
            if (e.execution === execution) {
                sub.dispose();
                resolve(e.exitCode);
            }
        });
    });
}

async function setEngine(value: string) {
    const cfg = vscode.workspace.getConfiguration(SECTION);
    await cfg.update('engine', value, vscode.ConfigurationTarget.Global);
    void vscode.window.showInformationMessage(value ? `pob.engine set to ${value}.` : 'pob.engine cleared: the default engine is used.');
}

async function installEngine() {
    if (!serverCommand) {
        try {
            serverCommand = await findServer();
        } catch (e) {
            if (e instanceof ServerNotFoundError) {
                void showServerError(e.message, e.fix);
                return;
            }
            throw e;
        }
    }
    const pick = await vscode.window.showQuickPick(
        [
            { id: 'install-folder', label: '$(folder) Install PoB from a folder…', detail: 'Copies a Path of Building folder (installed PoB or a checkout) into pob-ls\'s engines' },
            { id: 'installed', label: '$(list-selection) Use an installed engine…', detail: 'Picks one of `pob-ls engine list`' },
            { id: 'folder', label: '$(folder-opened) Use a PoB folder in place…', detail: 'Sets pob.engine to a folder, without copying it' },
            { id: 'download', label: '$(cloud-download) Install the pinned PoB version', detail: 'Runs `pob-ls engine install` (downloads PoB)' },
            { id: 'default', label: '$(discard) Use the default engine', detail: 'Clears pob.engine' },
        ],
        { title: 'Path of Building engine', placeHolder: 'How should pob-ls find Path of Building?' },
    );
    if (!pick) {
        return;
    }
    const pickFolder = async () =>
        (await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Use this PoB folder' }))?.[0];
    let installArgs: string[] | undefined;
    switch (pick.id) {
        case 'install-folder': {
            const folder = await pickFolder();
            if (folder) {
                installArgs = ['engine', 'install', '--from', folder.fsPath];
            }
            break;
        }
        case 'download':
            installArgs = ['engine', 'install'];
            break;
        case 'folder': {
            const folder = await pickFolder();
            if (folder) {
                await setEngine(folder.fsPath);
            }
            return;
        }
        case 'default':
            await setEngine('');
            return;
        case 'installed': {
            const res = await runCli(['engine', 'list']);
            const engines = parseEngineList(res.stdout);
            if (res.code !== 0 || engines.length === 0) {
                void vscode.window.showWarningMessage(`No installed PoB engine. ${res.stderr.trim()}`.trim());
                return;
            }
            const chosen = await vscode.window.showQuickPick(
                engines.map((e) => ({ label: e.version, description: e.path, detail: e.notes })),
                { title: 'Installed PoB engines' },
            );
            if (chosen) {
                await setEngine(chosen.label);
            }
            return;
        }
    }
    if (!installArgs) {
        return;
    }
    const code = await runCliTask('Install the PoB engine', installArgs);
    if (code === 0) {
        const c = await vscode.window.showInformationMessage('PoB engine installed. Restart the language server to use it?', 'Restart');
        if (c === 'Restart') {
            await restartServer();
        }
    } else {
        void vscode.window.showErrorMessage(`pob-ls engine install failed (exit ${code ?? '?'}); see the terminal.`);
    }
}

function applyXmlGlobs(doc: vscode.TextDocument) {
    if (doc.languageId !== 'xml') {
        return;
    }
    const globs = clientSettings(section()).xmlGlobs;
    if (globs.some((pattern) => vscode.languages.match({ pattern }, doc) > 0)) {
        log.info(`opening ${doc.uri.fsPath} as a PoB build (pob.xmlGlobs)`);
        void vscode.languages.setTextDocumentLanguage(doc, 'pob');
    }
}

function onOpen(doc: vscode.TextDocument) {
    applyXmlGlobs(doc);
    if (doc.languageId === 'pob') {
        void startServer();
    }
}

export async function activate(context: vscode.ExtensionContext): Promise<{ status: () => PobStatus | undefined }> {
    log = vscode.window.createOutputChannel('Path of Building', { log: true });
    statusItem = vscode.window.createStatusBarItem('pob.status', vscode.StatusBarAlignment.Left, 10);
    statusItem.name = 'Path of Building';
    context.subscriptions.push(log, statusItem);
    log.info(`pob-ls extension ${context.extension.packageJSON.version} on VS Code ${vscode.version}`);

    context.subscriptions.push(
        vscode.commands.registerCommand('pob.restartServer', restartServer),
        vscode.commands.registerCommand('pob.showStatSheet', (uri?: vscode.Uri) => showStatSheet(context, uri)),
        vscode.commands.registerCommand('pob.copyShareCode', copyShareCode),
        vscode.commands.registerCommand('pob.installEngine', installEngine),
        vscode.commands.registerCommand('pob.showLogs', () => log.show()),
        vscode.workspace.onDidOpenTextDocument(onOpen),
        vscode.workspace.onDidChangeConfiguration(async (e) => {
            if (!e.affectsConfiguration(SECTION)) {
                return;
            }
            if (e.affectsConfiguration('pob.xmlGlobs')) {
                vscode.workspace.textDocuments.forEach(applyXmlGlobs);
            }
            if (RESTART_KEYS.some((k) => e.affectsConfiguration(k))) {
                if (client || starting) {
                    await restartServer();
                }
                return;
            }
            if (client && client.state === State.Running) {
                await client.sendNotification(DidChangeConfigurationNotification.type, {
                    settings: { [SECTION]: serverSettings(section()) },
                });
            }
        }),
        { dispose: () => void disposeClient() },
    );
    vscode.workspace.textDocuments.forEach(onOpen);
    return { status: () => lastStatus };
}

export async function deactivate(): Promise<void> {
    await disposeClient();
}
