; A minimal installer around installers/windows/path-hooks.nsh, built the way Tauri's NSIS template
; includes it (StrFunc with ${StrLoc} declared first), so the hooks can be compiled with makensis and
; run under Wine: tests/windows/path-hooks.sh drives it.
;   makensis -DHOOKS=<path-hooks.nsh> -DOUT=<setup.exe> path-hooks.nsi
; 64-bit, unlike Tauri's installer: Debian's wine64 runs no 32-bit programs. The script is the same.
Target amd64-unicode
!include LogicLib.nsh
!include StrFunc.nsh
${StrLoc}
!include "${HOOKS}"

Name "mPOS Key Generator PATH hooks test"
OutFile "${OUT}"
InstallDir "$LOCALAPPDATA\mPOS Key Generator"
RequestExecutionLevel user
SilentInstall silent

Section
  SetOutPath "$INSTDIR"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  !insertmacro NSIS_HOOK_POSTINSTALL
SectionEnd

Section Uninstall
  !insertmacro NSIS_HOOK_POSTUNINSTALL
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
SectionEnd
