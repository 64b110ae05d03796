;;; pob-mode.el --- Path of Building builds with the pob-ls language server -*- lexical-binding: t -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1") (eglot "1.9"))
;; Keywords: languages, games
;; URL: editor/emacs in the pob-ls repository

;;; Commentary:

;; A major mode for `.pob' files (Path of Building build XML or a share code), derived from
;; `nxml-mode', and the eglot glue for pob-ls:
;;
;;   (add-to-list 'load-path "/path/to/pob-ls/editor/emacs")
;;   (require 'pob-mode)
;;   (add-hook 'pob-mode-hook #'eglot-ensure)
;;
;; Settings go to the server as initializationOptions (`pob-settings'); a `:pob' section in
;; `eglot-workspace-configuration' (e.g. in .dir-locals.el) takes precedence.
;; Commands: `pob-stats' (the stat sheet), `pob-share-code' (copy the share code).

;;; Code:

(require 'nxml-mode)
(require 'eglot)
(require 'jsonrpc)

(defgroup pob nil
  "Path of Building builds through the pob-ls language server."
  :group 'languages
  :prefix "pob-")

(defcustom pob-server-command '("pob-ls" "serve")
  "Command line that starts the pob-ls server (stdio).
E.g. (\"/path/to/venv/bin/pob-ls\" \"serve\") or (\"python3\" \"-m\" \"pob_ls.cli\" \"serve\")."
  :type '(repeat string))

(defcustom pob-settings
  '(:engine "" :debounce 150
    :hints (:build t :groups t :stats t)
    :warnings (:unsupportedMods t :inactiveConfig t))
  "The server's \"pob\" settings, sent as initializationOptions.
Use `:json-false' for false.  :engine is a PoB folder or an installed version."
  :type 'plist)

(defcustom pob-xml-regexps nil
  "Regexps of .xml file names to open in `pob-mode', e.g. \"/Path of Building/Builds/.*\\\\.xml\\\\'\"."
  :type '(repeat regexp))

(defvar pob-status nil
  "The last `pob/status' notification (a plist), or nil.")

;;;###autoload
(define-derived-mode pob-mode nxml-mode "PoB"
  "Major mode for Path of Building builds (.pob), served by pob-ls through eglot."
  (setq-local mode-line-process '(:eval (pob--status-text))))

;;;###autoload
(add-to-list 'auto-mode-alist '("\\.pob\\'" . pob-mode))

(defun pob--apply-xml-regexps ()
  "Put .xml builds matching `pob-xml-regexps' in `pob-mode'."
  (when (and buffer-file-name pob-xml-regexps (derived-mode-p 'nxml-mode) (not (derived-mode-p 'pob-mode))
             (cl-some (lambda (re) (string-match-p re buffer-file-name)) pob-xml-regexps))
    (pob-mode)))
(add-hook 'nxml-mode-hook #'pob--apply-xml-regexps)

(defun pob--contact (&optional _interactive)
  "The eglot contact: `pob-server-command' with `pob-settings' as initializationOptions."
  (let ((cmd pob-server-command))
    (unless (and cmd (executable-find (car cmd)))
      (user-error "pob-ls: %S not found; install pob-ls (pipx install pob-ls) or set `pob-server-command'"
                  (car cmd)))
    (append cmd (list :initializationOptions pob-settings))))

(add-to-list 'eglot-server-programs '(pob-mode . pob--contact))

(defun pob--status-text ()
  "Mode-line text for `pob-status'."
  (when pob-status
    (let* ((engine (plist-get pob-status :engine))
           (label (if (and (stringp engine) (not (string-empty-p engine)))
                      (if (string-prefix-p "PoB" engine) engine (concat "PoB " engine))
                    "PoB"))
           (ms (plist-get pob-status :lastRecalcMs)))
      (pcase (plist-get pob-status :state)
        ("ready" (if (numberp ms) (format " [%s · %d ms]" label (round ms)) (format " [%s]" label)))
        ("error" (format " [%s: error]" label))
        ("loading" (format " [%s: calculating]" label))
        (_ (format " [%s: starting]" label))))))

(cl-defmethod eglot-handle-notification (_server (_method (eql pob/status)) &rest params)
  "Remember pob-ls's engine status for the mode line."
  (setq pob-status params)
  (force-mode-line-update t))

(defun pob--server ()
  (or (eglot-current-server) (user-error "pob-ls is not running in this buffer (M-x eglot)")))

(defun pob--uri ()
  (eglot--path-to-uri (or buffer-file-name (user-error "This buffer visits no file"))))

(defun pob-stats ()
  "Show the build's stat sheet (pob/statSheet) in the *PoB stats* buffer."
  (interactive)
  (let* ((res (jsonrpc-request (pob--server) :pob/statSheet (list :uri (pob--uri))))
         (md (plist-get res :markdown))
         (buf (get-buffer-create "*PoB stats*")))
    (with-current-buffer buf
      (let ((inhibit-read-only t))
        (erase-buffer)
        (insert (or md ""))
        (goto-char (point-min)))
      (if (fboundp 'gfm-view-mode) (gfm-view-mode) (special-mode)))
    (display-buffer buf)
    buf))

(defun pob-share-code ()
  "Copy the build's share code (pob/shareCode) to the kill ring."
  (interactive)
  (let* ((res (jsonrpc-request (pob--server) :pob/shareCode (list :uri (pob--uri))))
         (code (plist-get res :code)))
    (kill-new code)
    (message "pob-ls: share code copied (%d characters)" (length code))
    code))

(provide 'pob-mode)
;;; pob-mode.el ends here
