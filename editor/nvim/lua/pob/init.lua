-- pob-ls for Neovim 0.7+: starts the Path of Building language server for `pob` buffers.
--   require('pob').setup({ settings = { engine = '2.63.0' } })
-- Neovim 0.11+: vim.lsp.config + vim.lsp.enable. 0.8-0.10: vim.lsp.start. 0.7: vim.lsp.start_client.
local M = {}

local NAME = 'pob_ls'

M.defaults = {
  -- Full command line of the server; nil: `pob-ls serve` from PATH, else `<python> -m pob_ls.cli serve`.
  cmd = nil,
  python = nil, -- interpreter with pob-ls installed, used when `pob-ls` is not on PATH
  -- The server's "pob" settings: sent through workspace/configuration and initializationOptions.
  settings = {
    engine = '', -- PoB folder or installed version ('' = the server's default)
    debounce = 150, -- ms after the last edit before PoB recalculates
    hints = { build = true, groups = true, stats = true },
    warnings = { unsupportedMods = true, inactiveConfig = true },
  },
  inlay_hints = true, -- enable native inlay hints (Neovim 0.10+)
  codelens = true, -- refresh and show code lenses
  xml_globs = {}, -- e.g. { '*/Path of Building/Builds/*.xml' }: open those .xml files as pob
  root_markers = { '.git' },
  on_attach = nil, -- function(client, bufnr)
  capabilities = nil,
}

M.config = vim.deepcopy(M.defaults)
M.last_status = nil -- last `pob/status` payload

local has = function(v)
  return vim.fn.has('nvim-' .. v) == 1
end

local function notify(msg, level)
  vim.notify('pob-ls: ' .. msg, level or vim.log.levels.INFO)
end

--- The server command, or nil and an error message with the fix.
function M.resolve_cmd(opts)
  opts = opts or M.config
  if opts.cmd and #opts.cmd > 0 then
    if vim.fn.executable(opts.cmd[1]) ~= 1 then
      return nil, ('cmd[1] "%s" is not executable; fix `cmd` in require("pob").setup{}'):format(opts.cmd[1])
    end
    return opts.cmd
  end
  if vim.fn.executable('pob-ls') == 1 then
    return { 'pob-ls', 'serve' }
  end
  local pythons = opts.python and { opts.python } or { 'python3', 'python' }
  for _, py in ipairs(pythons) do
    if vim.fn.executable(py) == 1 then
      vim.fn.system({ py, '-c', 'import pob_ls.cli' })
      if vim.v.shell_error == 0 then
        return { py, '-m', 'pob_ls.cli', 'serve' }
      end
    end
  end
  return nil,
    'the pob-ls server was not found. Install it (`pipx install pob-ls`) so `pob-ls` is on PATH, '
      .. 'or pass `cmd = { "/path/to/venv/bin/pob-ls", "serve" }` or `python = "/path/to/python"` to require("pob").setup{}'
end

local function status_text(s)
  if not s then
    return ''
  end
  local label = 'PoB'
  if type(s.engine) == 'string' and s.engine ~= '' then
    label = s.engine:match('^PoB') and s.engine or ('PoB ' .. s.engine)
  end
  if s.state == 'ready' then
    local ms = s.lastRecalcMs
    if type(ms) == 'number' then
      return ('%s · %d ms'):format(label, math.floor(ms + 0.5))
    end
    return label
  elseif s.state == 'error' then
    return label .. ': error'
  elseif s.state == 'loading' then
    return label .. ': calculating'
  end
  return label .. ': starting'
end

--- For a statusline: `%{v:lua.require'pob'.status()}`.
function M.status()
  return status_text(M.last_status)
end

local function on_status(_, result)
  if type(result) ~= 'table' then
    return
  end
  M.last_status = result
  vim.g.pob_status = status_text(result)
  pcall(vim.api.nvim_exec_autocmds, 'User', { pattern = 'PobStatus', modeline = false })
end

local function root_dir(bufnr)
  local file = vim.api.nvim_buf_get_name(bufnr)
  local dir = vim.fn.fnamemodify(file, ':p:h')
  if vim.fs and vim.fs.find then
    local found = vim.fs.find(M.config.root_markers, { upward = true, path = dir })[1]
    if found then
      return vim.fs.dirname(found)
    end
  end
  return dir
end

local function on_attach(client, bufnr)
  if M.config.inlay_hints and vim.lsp.inlay_hint and has('0.10') then
    pcall(vim.lsp.inlay_hint.enable, true, { bufnr = bufnr })
  end
  if M.config.codelens and client.server_capabilities.codeLensProvider then
    local group = vim.api.nvim_create_augroup('pob_codelens_' .. bufnr, { clear = true })
    local refresh = function()
      if has('0.10') then
        pcall(vim.lsp.codelens.refresh, { bufnr = bufnr })
      elseif vim.api.nvim_get_current_buf() == bufnr then
        pcall(vim.lsp.codelens.refresh)
      end
    end
    vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave', 'BufWritePost' }, {
      group = group,
      buffer = bufnr,
      callback = refresh,
    })
    vim.api.nvim_create_autocmd('User', { group = group, pattern = 'PobStatus', callback = refresh })
    refresh()
  end
  if M.config.on_attach then
    M.config.on_attach(client, bufnr)
  end
end

--- The client configuration shared by every Neovim version.
function M.client_config(cmd)
  local settings = M.config.settings
  return {
    name = NAME,
    cmd = cmd,
    -- Neovim answers workspace/configuration from `settings` (0.8+ advertise it); 0.7 does not, so the
    -- same table goes in initializationOptions too.
    settings = { pob = settings },
    init_options = settings,
    handlers = { ['pob/status'] = on_status },
    on_attach = on_attach,
    capabilities = M.config.capabilities,
  }
end

local started = {} -- 0.7: root -> client id

local function start_legacy(bufnr)
  local cmd, err = M.resolve_cmd()
  if not cmd then
    notify(err, vim.log.levels.ERROR)
    return
  end
  local config = M.client_config(cmd)
  config.root_dir = root_dir(bufnr)
  if vim.lsp.start then -- 0.8 - 0.10
    vim.lsp.start(config, { bufnr = bufnr })
    return
  end
  local id = started[config.root_dir]
  if not id or not vim.lsp.get_client_by_id(id) then
    config.workspace_folders = {
      { uri = vim.uri_from_fname(config.root_dir), name = config.root_dir },
    }
    id = vim.lsp.start_client(config)
    if not id then
      notify('could not start ' .. table.concat(cmd, ' '), vim.log.levels.ERROR)
      return
    end
    started[config.root_dir] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
end

local function apply_xml_globs()
  local globs = M.config.xml_globs or {}
  if #globs == 0 then
    return
  end
  local group = vim.api.nvim_create_augroup('pob_xml_globs', { clear = true })
  vim.api.nvim_create_autocmd({ 'BufRead', 'BufNewFile' }, {
    group = group,
    pattern = globs,
    callback = function(args)
      vim.bo[args.buf].filetype = 'pob'
    end,
  })
end

function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
  M.create_commands()
  -- The server's code lenses name this client-side command (as in the VS Code extension).
  vim.lsp.commands['pob.showStatSheet'] = function(_, ctx)
    M.show_stats(ctx and ctx.bufnr or 0)
  end
  apply_xml_globs()
  if has('0.11') and vim.lsp.config and vim.lsp.enable then
    local cmd, err = M.resolve_cmd()
    if not cmd then
      notify(err, vim.log.levels.ERROR)
      return
    end
    local config = M.client_config(cmd)
    config.filetypes = { 'pob' }
    config.root_markers = M.config.root_markers
    vim.lsp.config(NAME, config)
    vim.lsp.enable(NAME)
    return
  end
  local group = vim.api.nvim_create_augroup('pob_ls_start', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = 'pob',
    callback = function(args)
      start_legacy(args.buf)
    end,
  })
  -- Buffers already open when setup() runs.
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(b) and vim.bo[b].filetype == 'pob' then
      start_legacy(b)
    end
  end
end

--- The pob-ls client attached to a buffer, or nil.
function M.client(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local clients
  if vim.lsp.get_clients then
    clients = vim.lsp.get_clients({ bufnr = bufnr, name = NAME })
  elseif vim.lsp.get_active_clients then
    clients = vim.tbl_filter(function(c)
      return c.name == NAME and vim.lsp.buf_is_attached(bufnr, c.id)
    end, vim.lsp.get_active_clients())
  else
    clients = vim.tbl_values(vim.lsp.buf_get_clients(bufnr))
  end
  for _, c in ipairs(clients) do
    if c.name == NAME then
      return c
    end
  end
end

--- Sends a request to the buffer's pob-ls client; handler(err, result).
function M.request(bufnr, method, params, handler)
  local client = M.client(bufnr)
  if not client then
    handler({ message = 'pob-ls is not attached to this buffer (is it a .pob file? did setup() run?)' })
    return false
  end
  local cb = function(err, result)
    handler(err, result)
  end
  if has('0.11') then
    return client:request(method, params, cb, bufnr)
  end
  return client.request(method, params, cb, bufnr)
end

local function split_lines(s)
  return vim.split(s or '', '\n', { plain = true })
end

--- `:PobStats`: the build's stat sheet (pob/statSheet) in a floating window.
function M.show_stats(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  M.request(bufnr, 'pob/statSheet', { uri = vim.uri_from_bufnr(bufnr) }, function(err, result)
    if err or type(result) ~= 'table' then
      notify('stat sheet: ' .. (err and err.message or 'no result'), vim.log.levels.ERROR)
      return
    end
    local lines = split_lines(result.markdown)
    local fbuf, win = vim.lsp.util.open_floating_preview(lines, 'markdown', {
      border = 'rounded',
      focus_id = 'pob_stats',
      max_width = math.max(60, math.floor(vim.o.columns * 0.8)),
      max_height = math.max(10, math.floor(vim.o.lines * 0.8)),
      title = has('0.9') and ' PoB stats ' or nil,
    })
    M.stats_window = { buf = fbuf, win = win }
  end)
end

--- `:PobShareCode`: the build's share code into the + register (or the unnamed one).
function M.copy_share_code(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  M.request(bufnr, 'pob/shareCode', { uri = vim.uri_from_bufnr(bufnr) }, function(err, result)
    if err or type(result) ~= 'table' or type(result.code) ~= 'string' then
      notify('share code: ' .. (err and err.message or 'no result'), vim.log.levels.ERROR)
      return
    end
    local reg = vim.fn.has('clipboard') == 1 and '+' or '"'
    vim.fn.setreg(reg, result.code)
    M.last_share_code = result.code
    notify(('share code copied to register %s (%d characters)'):format(reg, #result.code))
  end)
end

function M.restart()
  local bufnr = vim.api.nvim_get_current_buf()
  local client = M.client(bufnr)
  if client then
    if has('0.11') then
      client:stop()
    else
      client.stop()
    end
  end
  started = {}
  vim.defer_fn(function()
    for _, b in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(b) and vim.bo[b].filetype == 'pob' then
        if has('0.11') then
          vim.api.nvim_exec_autocmds('FileType', { buffer = b, modeline = false })
        else
          start_legacy(b)
        end
      end
    end
  end, 500)
end

local commands_created = false
function M.create_commands()
  if commands_created then
    return
  end
  commands_created = true
  vim.api.nvim_create_user_command('PobStats', function()
    M.show_stats(0)
  end, { desc = 'pob-ls: show the build stat sheet' })
  vim.api.nvim_create_user_command('PobShareCode', function()
    M.copy_share_code(0)
  end, { desc = 'pob-ls: copy the build share code' })
  vim.api.nvim_create_user_command('PobRestart', M.restart, { desc = 'pob-ls: restart the server' })
  vim.api.nvim_create_user_command('PobStatus', function()
    print(M.status() ~= '' and M.status() or 'pob-ls: no status yet')
  end, { desc = 'pob-ls: engine status' })
end

return M
