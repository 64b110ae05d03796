-- Commands exist before setup() so that `:PobStats` gives a helpful error instead of E492.
if vim.g.loaded_pob_ls then
  return
end
vim.g.loaded_pob_ls = true
require('pob').create_commands()
