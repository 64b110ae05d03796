-- Headless probe of the pob Neovim plugin: run as
--   nvim --headless --clean -u nvim_probe.lua build.pob
-- with POB_NVIM_PLUGIN (editor/nvim), POB_LS_CMD (JSON list) and POB_PROBE_TIMEOUT (ms) in the environment.
-- Prints one JSON object per line on stdout; exits 0, or 1 with {"fatal": ...}.
vim.opt.runtimepath:prepend(os.getenv('POB_NVIM_PLUGIN'))
vim.cmd('filetype plugin on')
vim.cmd('syntax on')

local timeout = tonumber(os.getenv('POB_PROBE_TIMEOUT') or '120000')
local json_encode = vim.json and vim.json.encode or vim.fn.json_encode
local json_decode = vim.json and vim.json.decode or vim.fn.json_decode

local function out(tbl)
  io.stdout:write(json_encode(tbl) .. '\n')
  io.stdout:flush()
end

local function fatal(msg)
  out({ fatal = msg })
  vim.cmd('cquit 1')
end

local notifications = {}
vim.notify = function(msg, level)
  table.insert(notifications, { msg = msg, level = level })
end

local status_seen = {}
vim.api.nvim_create_autocmd('User', {
  pattern = 'PobStatus',
  callback = function()
    table.insert(status_seen, vim.deepcopy(require('pob').last_status))
  end,
})

local pob = require('pob')
pob.setup({ cmd = json_decode(os.getenv('POB_LS_CMD')) })

local function run()
  local bufnr = vim.api.nvim_get_current_buf()
  out({ step = 'filetype', filetype = vim.bo[bufnr].filetype, syntax = vim.bo[bufnr].syntax, nvim = tostring(vim.version().major) .. '.' .. tostring(vim.version().minor) })
  if vim.bo[bufnr].filetype ~= 'pob' then
    return fatal('filetype is ' .. vim.bo[bufnr].filetype)
  end
  if not vim.wait(30000, function() return pob.client(bufnr) ~= nil end, 50) then
    return fatal('no pob_ls client attached; notifications: ' .. json_encode(notifications))
  end
  local client = pob.client(bufnr)
  if not vim.wait(30000, function() return client.initialized ~= false and client.server_capabilities ~= nil end, 50) then
    return fatal('client never initialized')
  end
  out({ step = 'attached', name = client.name, hover = client.server_capabilities.hoverProvider and true or false,
        inlay = client.server_capabilities.inlayHintProvider and true or false })

  -- Wait for the engine: status ready (or error).
  local ok = vim.wait(timeout, function()
    local s = pob.last_status
    return s and (s.state == 'ready' or s.state == 'error')
  end, 100)
  out({ step = 'status', ok = ok, status = pob.last_status, statusline = pob.status(), seen = #status_seen })

  local diags = {}
  vim.wait(timeout, function()
    diags = vim.diagnostic.get(bufnr)
    return #diags > 0
  end, 100)
  local dl = {}
  for i, d in ipairs(diags) do
    if i > 20 then break end
    table.insert(dl, { lnum = d.lnum, col = d.col, severity = d.severity, message = d.message, source = d.source })
  end
  out({ step = 'diagnostics', count = #diags, items = dl })

  -- Hover on `<Build`.
  local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  local build_line, build_col
  for i, l in ipairs(lines) do
    local c = l:find('<Build[%s>]')
    if c then
      build_line, build_col = i - 1, c
      break
    end
  end
  if not build_line then
    return fatal('no <Build in the file')
  end
  local hover_text = ''
  local params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) }, position = { line = build_line, character = build_col + 1 } }
  vim.wait(timeout, function()
    local res = vim.lsp.buf_request_sync(bufnr, 'textDocument/hover', params, 30000) or {}
    for _, r in pairs(res) do
      if r.result and r.result.contents then
        local c = r.result.contents
        hover_text = type(c) == 'string' and c or (c.value or json_encode(c))
      end
    end
    return hover_text ~= ''
  end, 500)
  out({ step = 'hover', line = build_line, length = #hover_text, text = hover_text:sub(1, 2000) })

  -- Native inlay hints (0.10+), through the plugin's own enable() in on_attach.
  if vim.lsp.inlay_hint and vim.fn.has('nvim-0.10') == 1 then
    local enabled = vim.lsp.inlay_hint.is_enabled({ bufnr = bufnr })
    local hints = {}
    vim.wait(timeout, function()
      hints = vim.lsp.inlay_hint.get({ bufnr = bufnr })
      return #hints > 0
    end, 200)
    local hl = {}
    for i, h in ipairs(hints) do
      if i > 20 then break end
      local label = h.inlay_hint.label
      if type(label) == 'table' then
        local parts = {}
        for _, p in ipairs(label) do table.insert(parts, p.value) end
        label = table.concat(parts)
      end
      table.insert(hl, { line = h.inlay_hint.position.line, label = label })
    end
    -- What the user sees: extmarks with virtual text in the inlay-hint namespace.
    local virt = 0
    for _, ns in pairs(vim.api.nvim_get_namespaces()) do
      for _, m in ipairs(vim.api.nvim_buf_get_extmarks(bufnr, ns, 0, -1, { details = true })) do
        if m[4] and m[4].virt_text then virt = virt + 1 end
      end
    end
    out({ step = 'inlay_hints', enabled = enabled, count = #hints, items = hl })
  end

  -- Code lenses (the plugin refreshes them).
  local lenses = {}
  vim.wait(30000, function()
    lenses = vim.lsp.codelens.get(bufnr)
    if #lenses == 0 then
      if vim.fn.has('nvim-0.10') == 1 then
        vim.lsp.codelens.refresh({ bufnr = bufnr })
      else
        vim.lsp.codelens.refresh()
      end
    end
    return #lenses > 0
  end, 500)
  local ll = {}
  for _, l in ipairs(lenses) do
    table.insert(ll, { line = l.range.start.line, title = l.command and l.command.title or nil })
  end
  out({ step = 'codelens', count = #lenses, items = ll })

  -- :PobStats opens a floating window with the stat sheet.
  vim.cmd('PobStats')
  vim.wait(timeout, function() return pob.stats_window ~= nil end, 100)
  local float_text, float_ok = '', false
  if pob.stats_window and vim.api.nvim_win_is_valid(pob.stats_window.win) then
    local cfg = vim.api.nvim_win_get_config(pob.stats_window.win)
    float_ok = cfg.relative ~= nil and cfg.relative ~= ''
    float_text = table.concat(vim.api.nvim_buf_get_lines(pob.stats_window.buf, 0, -1, false), '\n')
  end
  out({ step = 'stats', floating = float_ok, length = #float_text, text = float_text:sub(1, 1500) })

  vim.cmd('PobShareCode')
  vim.wait(30000, function() return pob.last_share_code ~= nil end, 100)
  out({ step = 'share_code', length = pob.last_share_code and #pob.last_share_code or 0 })

  out({ step = 'done', notifications = notifications })
  if client.stop then
    if vim.fn.has('nvim-0.11') == 1 then client:stop() else client.stop() end
  end
  vim.wait(3000, function() return client.is_stopped and (vim.fn.has('nvim-0.11') == 1 and client:is_stopped() or (vim.fn.has('nvim-0.11') == 0 and client.is_stopped())) end, 50)
  vim.cmd('qall!')
end

vim.defer_fn(function()
  local ok, err = pcall(run)
  if not ok then
    fatal(tostring(err))
  end
end, 100)
