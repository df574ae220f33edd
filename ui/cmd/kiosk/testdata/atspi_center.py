"""Prints the screen centre "X Y" of the showing push button of one
application with the given name, as a screen reader sees it; exits 1 when
there is none yet. Lets the tests tap a button of the kiosk binary, which
they cannot ask directly."""
import sys

import pyatspi


def find(acc, name):
    try:
        role = acc.getRoleName()
        showing = acc.getState().contains(pyatspi.STATE_SHOWING)
    except Exception:  # a widget that went away during the walk
        return None
    if role == "document web":
        return None
    if showing and role == "push button" and acc.name == name:
        return acc
    for i in range(acc.childCount):
        found = find(acc.getChildAtIndex(i), name)
        if found is not None:
            return found
    return None


def main():
    app_name, button = sys.argv[1], sys.argv[2]
    for app in pyatspi.Registry.getDesktop(0):
        if app is not None and app.name == app_name:
            acc = find(app, button)
            if acc is None:
                break
            x, y, w, h = acc.queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
            print(x + w // 2, y + h // 2)
            return
    sys.exit(1)


main()
