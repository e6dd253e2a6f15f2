; Installer hooks for Tauri's NSIS template (bundle > windows > nsis > installerHooks): the setup .exe
; installs per user, so it adds the installation folder, which holds mpos-keygen.exe, to the user's PATH
; (HKCU\Environment) on install and takes it out again on uninstall. Other PATH entries stay as they are.
;
; NSIS strings hold at most NSIS_MAX_STRLEN characters (1024 in the standard build). A longer PATH would
; come back cut short and writing it would damage it, so such a PATH is never written: the installer says
; how to add the folder by hand instead.

!include LogicLib.nsh
!include WinMessages.nsh

; StrFunc.nsh functions must be declared once before use; the template declares ${StrLoc} for the
; installer, the uninstaller needs its own copies.
${UnStrLoc}
${UnStrRep}

!define MPOS_PATH_KEY "Environment"

; Reads the user's PATH into $0 and sets $1 to "ok", "missing", or "too-long" (ReadRegStr fails both for a
; missing value and for one longer than NSIS_MAX_STRLEN; the value's name tells the two apart). Uses $2.
!macro MPOS_READ_USER_PATH
  ClearErrors
  ReadRegStr $0 HKCU "${MPOS_PATH_KEY}" "Path"
  ${IfNot} ${Errors}
    StrCpy $1 "ok"
    StrLen $2 "$0;$INSTDIR;"
    ${If} $2 >= ${NSIS_MAX_STRLEN}
      StrCpy $1 "too-long"
    ${EndIf}
  ${Else}
    StrCpy $0 ""
    StrCpy $1 "missing"
    StrCpy $2 0
    ${Do}
      ClearErrors
      EnumRegValue $3 HKCU "${MPOS_PATH_KEY}" $2
      ${If} ${Errors}
      ${OrIf} $3 == ""
        ${ExitDo}
      ${EndIf}
      ${If} $3 == "Path"
        StrCpy $1 "too-long"
        ${ExitDo}
      ${EndIf}
      IntOp $2 $2 + 1
    ${Loop}
  ${EndIf}
!macroend

!macro NSIS_HOOK_POSTINSTALL
  Push $0
  Push $1
  Push $2
  Push $3
  !insertmacro MPOS_READ_USER_PATH
  ${If} $1 == "too-long"
    DetailPrint "Your PATH is too long to change safely. To call mpos-keygen by name, add $INSTDIR to it by hand."
  ${Else}
    ; Already there (a reinstall): nothing to do. The ";" on both sides match whole entries only.
    ${StrLoc} $1 ";$0;" ";$INSTDIR;" ">"
    ${If} $1 == ""
      ${If} $0 == ""
        StrCpy $0 "$INSTDIR"
      ${Else}
        StrCpy $0 "$0;$INSTDIR"
      ${EndIf}
      WriteRegExpandStr HKCU "${MPOS_PATH_KEY}" "Path" "$0"
      ; New terminals see the change without logging off.
      SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=5000
      DetailPrint "Added $INSTDIR to your PATH: open a new terminal to call mpos-keygen."
    ${EndIf}
  ${EndIf}
  Pop $3
  Pop $2
  Pop $1
  Pop $0
!macroend

!macro NSIS_HOOK_POSTUNINSTALL
  Push $0
  Push $1
  Push $2
  Push $3
  !insertmacro MPOS_READ_USER_PATH
  ${If} $1 == "ok"
    ${UnStrLoc} $1 ";$0;" ";$INSTDIR;" ">"
    ${If} $1 != ""
      ; Wrapped in ";" so the first and last entries match too, then unwrapped again.
      ${UnStrRep} $0 ";$0;" ";$INSTDIR;" ";"
      StrCpy $0 "$0" "" 1
      StrCpy $0 "$0" -1
      ${If} $0 == ""
        DeleteRegValue HKCU "${MPOS_PATH_KEY}" "Path"
      ${Else}
        WriteRegExpandStr HKCU "${MPOS_PATH_KEY}" "Path" "$0"
      ${EndIf}
      SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=5000
    ${EndIf}
  ${EndIf}
  Pop $3
  Pop $2
  Pop $1
  Pop $0
!macroend
