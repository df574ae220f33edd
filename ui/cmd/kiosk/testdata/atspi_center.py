"""Prints the screen centre "X Y" of the first showing control of one
application with the given role whose name starts with the given text;
exits 1 when there is none yet. Lets the
tests tap a control of the kiosk binary, which they cannot ask directly."""
import sys

import pyatspi


def find(acc, role, name):
    try:
        showing = acc.getState().contains(pyatspi.STATE_SHOWING)
        if showing and acc.getRoleName() == role and (acc.name or "").startswith(name):
            return acc
        children = [acc.getChildAtIndex(i) for i in range(acc.childCount)]
    except Exception:  # a widget that went away during the walk
        return None
    for child in children:
        found = find(child, role, name)
        if found is not None:
            return found
    return None


def main():
    app_name, role, name = sys.argv[1:4]
    for app in pyatspi.Registry.getDesktop(0):
        if app is None or app.name != app_name:
            continue
        acc = find(app, role, name)
        if acc is not None:
            x, y, w, h = acc.queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
            print(x + w // 2, y + h // 2)
            return
    sys.exit(1)


main()
