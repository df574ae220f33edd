package demosite

import "html/template"

var indexTemplate = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Services publics — démonstration</title></head>
<body><h1>Services publics — démonstration</h1><ul>
{{range .}}<li><a href="/{{.ID}}/">{{.Name}}</a></li>{{end}}
</ul></body></html>`))

var pages = template.Must(template.New("pages").Parse(`
{{define "head"}}<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.Site.Name}} — démonstration</title>
<style>body{font-family:sans-serif;font-size:20px;margin:2em;max-width:40em}
input,button{font-size:20px;padding:.4em}.msg{padding:.6em;background:#fde2c8}</style></head>
<body><header><strong>{{.Site.Name}}</strong> — site de démonstration</header>
{{with .Message}}<p class="msg" role="alert">{{.}}</p>{{end}}{{end}}

{{define "login"}}{{template "head" .}}
<h1>Connexion</h1>
<form method="post" action="login">
<p><label>Identifiant <input name="user" autocomplete="off"></label></p>
<p><label>Mot de passe <input name="password" type="password"></label></p>
<p><button type="submit">Se connecter</button></p>
</form>
<p>Démonstration : identifiant <code>{{.User}}</code>, mot de passe <code>{{.Password}}</code>.</p>
</body></html>{{end}}

{{define "form"}}{{template "head" .}}
<h1>Envoyer un justificatif</h1>
<form method="post" action="upload" enctype="multipart/form-data">
<p><label>Numéro d'allocataire <input name="allocataire" inputmode="numeric" autocomplete="off"></label></p>
<p><label>Justificatif (PDF ou JPEG, {{.Limits}} au maximum)
<input type="file" name="document" accept="{{.AcceptAttr}}"></label></p>
<p><button type="submit">Envoyer</button></p>
</form>
<p><a href="attestation.pdf">Télécharger mon attestation</a></p>
<p><button type="button" id="print" onclick="window.print()">Imprimer cette page</button></p>
<h2>Pour aller plus loin</h2>
<ul>
<li><a id="help-popup" href="help" target="_blank">Aide (nouvelle fenêtre)</a></li>
<li><a id="outside-link" href="{{.Outside}}/{{.Site.ID}}/">Un autre site (hors de la liste autorisée)</a></li>
<li><a id="outside-redirect" href="redirect">Un lien qui redirige ailleurs</a></li>
</ul>
<iframe id="outside-frame" title="Publicité" src="{{.Outside}}/{{.Site.ID}}/help" width="400" height="80"></iframe>
<p><a href="logout">Se déconnecter</a></p>
</body></html>{{end}}

{{define "help"}}{{template "head" .}}
<h1>Aide</h1>
<p>Pour toute question, adressez-vous à l'accueil.</p>
</body></html>{{end}}

{{define "received"}}{{template "head" .}}
<h1>Envoi terminé</h1>
<p><a href="form">Envoyer un autre document</a> · <a href="attestation.pdf">Télécharger mon attestation</a></p>
</body></html>{{end}}
`))
