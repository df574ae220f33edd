"""Walks the AT-SPI tree of one application and prints, as JSON, every
showing control: its role, name and description. Used by the shell's tests
to prove that every control has a name a screen reader can say."""
import json
import sys

import pyatspi

CONTROLS = {"push button", "toggle button", "check box", "radio button", "entry", "text", "link", "combo box", "menu item"}


def walk(acc, out):
    try:
        role = acc.getRoleName()
        showing = acc.getState().contains(pyatspi.STATE_SHOWING)
    except Exception:  # a widget that went away during the walk
        return
    if role == "document web":  # the website's own tree is the site's job
        return
    if showing and role in CONTROLS:
        out.append({"role": role, "name": acc.name, "description": acc.description})
    for i in range(acc.childCount):
        walk(acc.getChildAtIndex(i), out)


def main():
    found = []
    for app in pyatspi.Registry.getDesktop(0):
        if app is not None and app.name == sys.argv[1]:
            walk(app, found)
            print(json.dumps(found, ensure_ascii=False))
            return
    sys.exit("no application named %s on the accessibility bus" % sys.argv[1])


main()
