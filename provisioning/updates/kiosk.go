package updates

import (
	"fmt"
	"net/url"
	"time"
)

// File is one file the kiosk side needs, with its absolute path.
type File struct {
	Path string
	Mode uint32
	Data []byte
}

// Kiosk-side paths.
const (
	KeyringPath = "/etc/apt/keyrings/borne-archive.gpg"
	SourcesPath = "/etc/apt/sources.list.d/borne.sources"
)

// KioskFiles are what a kiosk needs to take updates from the repository at
// repoURL: the source (trusting only the fleet's key for it), the
// unattended-upgrades policy, and systemd drop-ins that run the upgrade in
// the window and only when Gate allows it. keyring is the repository's
// public key (Repo.ExportKey).
func KioskFiles(repoURL, codename string, keyring []byte, w Window, kioskctl string) ([]File, error) {
	u, err := url.Parse(repoURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "file") || (u.Scheme == "https" && u.Host == "") {
		return nil, fmt.Errorf("updates: repository %q: want an https:// address", repoURL)
	}
	if len(keyring) == 0 {
		return nil, fmt.Errorf("updates: no repository key: the kiosk would trust nothing")
	}
	// Spread the fleet over the window's first part, leaving time to finish.
	delay := min(time.Duration(w.Length()-30)*time.Minute, 2*time.Hour)
	return []File{
		{Path: KeyringPath, Mode: 0o644, Data: keyring},
		{Path: SourcesPath, Mode: 0o644, Data: fmt.Appendf(nil,
			"# Borne's own packages, signed by the fleet's key only.\nTypes: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n",
			repoURL, codename, KeyringPath)},
		{Path: "/etc/apt/apt.conf.d/52borne-unattended-upgrades", Mode: 0o644, Data: fmt.Appendf(nil, `// Borne: which upgrades run unattended, and how.
Unattended-Upgrade::Origins-Pattern {
	"origin=Borne,codename=%s";
	"origin=Debian,codename=${distro_codename}-security,label=Debian-Security";
};
// One package at a time: a cut leaves a consistent system.
Unattended-Upgrade::MinimalSteps "true";
Unattended-Upgrade::Automatic-Reboot "false";
Unattended-Upgrade::InstallOnShutdown "false";
APT::Periodic::Update-Package-Lists "1";
APT::Periodic::Unattended-Upgrade "1";
`, codename)},
		{Path: "/etc/systemd/system/apt-daily-upgrade.timer.d/borne-window.conf", Mode: 0o644, Data: fmt.Appendf(nil, `# Borne: upgrades only in the maintenance window %s (outside the
# agencies' opening hours); a missed run waits for the next window.
[Timer]
OnCalendar=
OnCalendar=*-*-* %s
RandomizedDelaySec=%d
Persistent=false
`, w, hhmm(w.Start), int(delay.Seconds()))},
		{Path: "/etc/systemd/system/apt-daily-upgrade.service.d/borne-gate.conf", Mode: 0o644, Data: fmt.Appendf(nil, `# Borne: no upgrade outside the window or during a visit; the kiosk
# restarts on the new version only when the upgrade succeeded.
[Service]
ExecCondition=%[1]s update gate
ExecStartPost=%[1]s update restart-kiosk
`, kioskctl)},
	}, nil
}
