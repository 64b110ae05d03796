" Path of Building builds: PoB's XML or a share code. `set` (not `setfiletype`): content
" detection would otherwise call a build starting with <?xml plain xml.
autocmd BufRead,BufNewFile *.pob set filetype=pob
