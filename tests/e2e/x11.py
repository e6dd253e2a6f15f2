"""Asking a window to close the way a window manager's close button does (WM_DELETE_WINDOW), through libX11.

WebDriver cannot do this: its "close window" and `window.close()` destroy the webview without the close request
the app's guard listens to. Xvfb runs no window manager, so the message is sent to the toplevel directly.
"""

import ctypes
import ctypes.util

CLIENT_MESSAGE = 33


class _ClientMessage(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                ("format", ctypes.c_int), ("l", ctypes.c_long * 5)]


class _Event(ctypes.Union):
    _fields_ = [("xclient", _ClientMessage), ("pad", ctypes.c_long * 24)]


def _lib():
    x = ctypes.cdll.LoadLibrary(ctypes.util.find_library("X11") or "libX11.so.6")
    x.XOpenDisplay.restype = ctypes.c_void_p
    x.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x.XDefaultRootWindow.restype = ctypes.c_ulong
    x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    x.XQueryTree.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_ulong),
                             ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.POINTER(ctypes.c_ulong)),
                             ctypes.POINTER(ctypes.c_uint)]
    x.XFetchName.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_char_p)]
    x.XInternAtom.restype = ctypes.c_ulong
    x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.POINTER(_Event)]
    x.XFree.argtypes = [ctypes.c_void_p]
    x.XFlush.argtypes = [ctypes.c_void_p]
    x.XCloseDisplay.argtypes = [ctypes.c_void_p]
    return x


def _windows_named(x, dpy, title):
    found = []

    def walk(window):
        name = ctypes.c_char_p()
        if x.XFetchName(dpy, window, ctypes.byref(name)) and name.value is not None:
            if name.value.decode("utf-8", "replace") == title:
                found.append(window)
            x.XFree(name)
        root, parent = ctypes.c_ulong(), ctypes.c_ulong()
        children, count = ctypes.POINTER(ctypes.c_ulong)(), ctypes.c_uint()
        if x.XQueryTree(dpy, window, ctypes.byref(root), ctypes.byref(parent), ctypes.byref(children),
                        ctypes.byref(count)):
            kids = [children[i] for i in range(count.value)]
            if children:
                x.XFree(children)
            for kid in kids:
                walk(kid)

    walk(x.XDefaultRootWindow(dpy))
    return found


def window_exists(title):
    """Whether a window with this title exists on the X display."""
    x = _lib()
    dpy = x.XOpenDisplay(None)
    assert dpy, "no X display (run under xvfb-run)"
    try:
        return bool(_windows_named(x, dpy, title))
    finally:
        x.XCloseDisplay(dpy)


def request_close(title):
    """Sends WM_DELETE_WINDOW to every window with this title; returns how many got it."""
    x = _lib()
    dpy = x.XOpenDisplay(None)
    assert dpy, "no X display (run under xvfb-run)"
    try:
        protocols = x.XInternAtom(dpy, b"WM_PROTOCOLS", 0)
        delete = x.XInternAtom(dpy, b"WM_DELETE_WINDOW", 0)
        windows = _windows_named(x, dpy, title)
        for window in windows:
            event = _Event()
            event.xclient.type = CLIENT_MESSAGE
            event.xclient.window = window
            event.xclient.message_type = protocols
            event.xclient.format = 32
            event.xclient.l[0] = delete
            event.xclient.l[1] = 0  # CurrentTime
            x.XSendEvent(dpy, window, 0, 0, ctypes.byref(event))
        x.XFlush(dpy)
        return len(windows)
    finally:
        x.XCloseDisplay(dpy)
