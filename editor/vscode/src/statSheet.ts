import * as vscode from 'vscode';

type Fetch = (uri: vscode.Uri) => Promise<string>;

function escapeHtml(s: string): string {
    return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A webview showing PoB's stat sheet for one build, refreshed when the engine recalculates. */
export class StatSheetPanel {
    private static panels = new Map<string, StatSheetPanel>();

    private constructor(
        private readonly panel: vscode.WebviewPanel,
        private readonly uri: vscode.Uri,
        private readonly fetch: Fetch,
        private readonly log: vscode.LogOutputChannel,
    ) {
        panel.onDidDispose(() => StatSheetPanel.panels.delete(uri.toString()));
    }

    static async show(context: vscode.ExtensionContext, uri: vscode.Uri, fetch: Fetch, log: vscode.LogOutputChannel) {
        let view = StatSheetPanel.panels.get(uri.toString());
        if (view) {
            view.panel.reveal(vscode.ViewColumn.Beside, true);
        } else {
            const name = uri.path.split('/').pop() ?? uri.toString();
            const panel = vscode.window.createWebviewPanel('pob.statSheet', `PoB stats: ${name}`, {
                viewColumn: vscode.ViewColumn.Beside,
                preserveFocus: true,
            }, { enableScripts: false, localResourceRoots: [] });
            view = new StatSheetPanel(panel, uri, fetch, log);
            StatSheetPanel.panels.set(uri.toString(), view);
            void context;
        }
        await view.refresh();
    }

    static refreshAll() {
        for (const view of StatSheetPanel.panels.values()) {
            void view.refresh();
        }
    }

    async refresh() {
        let body: string;
        try {
            const markdown = await this.fetch(this.uri);
            body = await this.render(markdown);
        } catch (e) {
            const msg = e instanceof Error ? e.message : String(e);
            this.log.error(`pob/statSheet: ${msg}`);
            body = `<p class="error">Could not get the stat sheet: ${escapeHtml(msg)}</p>`;
        }
        this.panel.webview.html = `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline';">
<style>body{font-family:var(--vscode-font-family);font-size:var(--vscode-font-size);color:var(--vscode-foreground);padding:0 1em}
table{border-collapse:collapse}td,th{padding:1px 8px;text-align:left;border-bottom:1px solid var(--vscode-panel-border)}
pre,code{font-family:var(--vscode-editor-font-family)}.error{color:var(--vscode-errorForeground)}</style>
</head><body class="pob-stat-sheet">${body}</body></html>`;
    }

    private async render(markdown: string): Promise<string> {
        try {
            // VS Code's built-in Markdown extension renders (and sanitises) for us.
            const html = await vscode.commands.executeCommand<string>('markdown.api.render', markdown);
            if (typeof html === 'string' && html) {
                return html;
            }
        } catch (e) {
            this.log.warn(`markdown.api.render unavailable: ${e instanceof Error ? e.message : String(e)}`);
        }
        return `<pre>${escapeHtml(markdown)}</pre>`;
    }
}
