" A PoB build is XML: reuse Vim's XML syntax; a file holding only a share code is a string.
if exists('b:current_syntax')
  finish
endif
runtime! syntax/xml.vim
unlet! b:current_syntax
syntax match pobShareCode /\v^\s*[A-Za-z0-9+\/_-]{64,}\={0,2}\s*$/
highlight default link pobShareCode String
let b:current_syntax = 'pob'
