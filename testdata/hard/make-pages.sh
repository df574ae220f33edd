#!/bin/bash
# Makes the hard pages of this directory with ImageMagick 6 (convert) and the
# URW and DejaVu fonts: pages as a flatbed hands them over (A4 at 300 dpi,
# JPEG, a slight tilt, blur and sensor noise), each with a .txt of the words
# printed on it. Run it from this directory; the outputs are committed, so
# tests never need ImageMagick. Deterministic: noise and "photos" are seeded.
set -euo pipefail
cd "$(dirname "$0")"
W=2480 H=3508 # A4 at 300 dpi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# scanned IN OUT PAPER: what the glass and the sensor do to a printed page.
scanned() {
	convert "$1" -background "$3" -rotate 0.4 -gravity center -extent ${W}x${H} \
		-blur 0x0.6 -seed 13 -attenuate 0.12 +noise Gaussian \
		-density 300 -units PixelsPerInch -sampling-factor 2x2 -quality 80 "$2"
}

# text FILE: words for a page, wrapped to COLS.
text() { fold -s -w "${COLS:-92}" "$1"; }

cat > "$T/letter.txt" <<'TXT'
Caisse d'allocations familiales de la Haute-Garonne. Objet : attestation de paiement. Madame, nous vous confirmons que vos droits à l'aide personnalisée au logement ont été examinés pour la période du premier janvier au trente et un décembre. Le montant mensuel versé est de deux cent quarante-sept euros et trente centimes. Ce montant tient compte des ressources déclarées par votre foyer et de la composition de votre famille. Si votre situation change, une naissance, un déménagement, une reprise d'activité ou une séparation, vous devez nous le signaler sans attendre depuis votre espace personnel ou auprès d'un conseiller. Les sommes versées à tort devront être remboursées. Pour toute question, munissez-vous de votre numéro d'allocataire et contactez-nous du lundi au vendredi de neuf heures à seize heures. Nous vous prions d'agréer, Madame, l'expression de nos salutations distinguées. Le directeur de la caisse.
TXT
cat > "$T/receipt.txt" <<'TXT'
Relevé de situation de l'assurance maladie. Assuré : Monsieur Ahmed Benali, numéro de sécurité sociale en cours de validation. Organisme de rattachement : caisse primaire de Seine-Saint-Denis. Droits ouverts jusqu'au trente juin. Complémentaire santé solidaire accordée pour douze mois sans participation financière. Médecin traitant déclaré : docteur Laurent, cabinet médical de la gare. Ce document atteste de vos droits à la date de son édition. Il ne remplace pas la carte Vitale. Conservez-le avec vos papiers importants et présentez-le à votre pharmacien ou à l'hôpital en cas de besoin.
TXT
cat > "$T/colour.txt" <<'TXT'
Avis d'échéance de loyer. Office public de l'habitat. Locataire : Madame Fatou Diallo, bâtiment C, escalier deux, appartement quarante et un. Loyer principal trois cent douze euros. Charges locatives quatre-vingt-cinq euros. Aide au logement déduite cent quatre-vingt-dix euros. Reste à payer deux cent sept euros avant le cinq du mois suivant. Le paiement peut se faire par prélèvement automatique, par virement ou en espèces au bureau de proximité. En cas de difficulté de paiement, prenez contact rapidement avec votre conseillère sociale afin de trouver une solution adaptée.
TXT
cat > "$T/uneven.txt" <<'TXT'
Préfecture de police. Récépissé de demande de titre de séjour. Ce récépissé autorise son titulaire à séjourner en France pendant l'examen de sa demande. Il est valable trois mois et peut être renouvelé. Il doit être présenté avec le passeport lors de tout contrôle. Le titulaire est autorisé à travailler. Toute modification de l'adresse doit être déclarée dans les huit jours. La décision sera notifiée par courrier. En cas de perte ou de vol, une déclaration doit être faite au commissariat le plus proche avant toute demande de duplicata.
TXT

# Faded grey text on yellowed paper: an old photocopy.
convert -density 300 -size ${W}x${H} xc:'rgb(236,226,188)' -font Nimbus-Sans-Regular -pointsize 11 \
	-fill 'rgb(158,152,138)' -interline-spacing 8 -annotate +240+420 "$(text "$T/letter.txt")" \
	-fill 'rgb(150,146,136)' -font Nimbus-Sans-Bold -pointsize 14 -annotate +240+300 "ATTESTATION DE PAIEMENT" "$T/faded.png"
scanned "$T/faded.png" faded.jpg 'rgb(236,226,188)'
(echo "ATTESTATION DE PAIEMENT"; cat "$T/letter.txt") > faded.txt

# Low contrast: light print on grey recycled paper.
convert -density 300 -size ${W}x${H} xc:'rgb(212,212,206)' -font DejaVu-Sans -pointsize 10 \
	-fill 'rgb(150,150,150)' -interline-spacing 10 -annotate +240+360 "$(COLS=84 text "$T/receipt.txt")" "$T/low.png"
scanned "$T/low.png" lowcontrast.jpg 'rgb(212,212,206)'
cp "$T/receipt.txt" lowcontrast.txt

# Coloured paper: dark blue print on pink paper.
convert -density 300 -size ${W}x${H} xc:'rgb(246,200,214)' -font Times-Roman -pointsize 12 \
	-fill 'rgb(30,40,110)' -interline-spacing 10 -annotate +240+360 "$(text "$T/colour.txt")" "$T/colour.png"
scanned "$T/colour.png" colourpaper.jpg 'rgb(246,200,214)'
cp "$T/colour.txt" colourpaper.txt

# Uneven light: a book-fold shadow darkening the right half.
convert -density 300 -size ${W}x${H} xc:'rgb(242,240,234)' -font Nimbus-Sans-Regular -pointsize 11 \
	-fill 'rgb(25,25,25)' -interline-spacing 8 -annotate +240+360 "$(text "$T/uneven.txt")" \
	\( -size ${H}x${W} gradient:'rgb(255,255,255)'-'rgb(120,115,110)' -rotate 90 -sigmoidal-contrast 4,70% \) \
	-compose multiply -composite "$T/uneven.png"
scanned "$T/uneven.png" uneven.jpg 'rgb(120,115,110)'
cp "$T/uneven.txt" uneven.txt

# Payslip: 7-point type, rules and grey-shaded rows.
rows=("Salaire de base|151,67|12,35|1873,12" "Heures supplémentaires|8,00|15,44|123,52" "Prime d'ancienneté|||56,19" "Sécurité sociale plafonnée|1996,64|6,90|137,77"
	"Sécurité sociale déplafonnée|1996,64|0,40|7,99" "Complémentaire retraite|1996,64|4,01|80,07" "Assurance chômage|1996,64|0,00|0,00" "Prévoyance cadre|1996,64|0,78|15,57"
	"Mutuelle obligatoire|||42,30" "CSG déductible|1962,31|6,80|133,44" "CSG non déductible|1962,31|2,40|47,10" "CRDS|1962,31|0,50|9,81"
	"Indemnité transport|||37,60" "Tickets restaurant|20,00|4,50|90,00" "Net imposable|||1645,03" "Prélèvement à la source|1645,03|3,20|52,64")
draw=() ann=()
y=700
i=0
for r in "${rows[@]}"; do
	IFS='|' read -r a b c d <<<"$r"
	if ((i % 2 == 0)); then draw+=(-fill 'rgb(208,208,208)' -draw "rectangle 230,$((y - 30)) 2250,$((y + 8))"); fi
	ann+=(-annotate +250+$y "$a" -annotate +1250+$y "$b" -annotate +1600+$y "$c" -annotate +1950+$y "$d")
	y=$((y + 40)); i=$((i + 1))
done
convert -density 300 -size ${W}x${H} xc:'rgb(250,250,248)' "${draw[@]}" -fill none -stroke 'rgb(60,60,60)' -strokewidth 2 \
	-draw "rectangle 230,620 2250,$((y - 20))" -stroke none -fill 'rgb(20,20,20)' -font Nimbus-Sans-Regular -pointsize 7 \
	-annotate +250+400 "BULLETIN DE PAIE  Période du 01/03 au 31/03  Employeur : Boulangerie Martin SARL  SIRET 41234567800021  Convention collective : boulangerie-pâtisserie" \
	-annotate +250+460 "Salarié : Madame Nadia Haddad  Emploi : vendeuse  Coefficient 170  Entrée le 02/09  Matricule 0457" \
	-annotate +250+660 "Rubrique" -annotate +1250+660 "Base" -annotate +1600+660 "Taux" -annotate +1950+660 "Montant" "${ann[@]}" \
	-annotate +250+$((y + 60)) "Net à payer avant impôt sur le revenu : 1697,67 euros  Net payé le 31/03 par virement" \
	-annotate +250+$((y + 110)) "Dans votre intérêt et pour vous aider à faire valoir vos droits, conservez ce bulletin de paie sans limitation de durée." "$T/payslip.png"
scanned "$T/payslip.png" payslip.jpg 'rgb(250,250,248)'
{ echo "BULLETIN DE PAIE Période du 01/03 au 31/03 Employeur : Boulangerie Martin SARL SIRET 41234567800021 Convention collective : boulangerie-pâtisserie"
	echo "Salarié : Madame Nadia Haddad Emploi : vendeuse Coefficient 170 Entrée le 02/09 Matricule 0457"
	echo "Rubrique Base Taux Montant"
	for r in "${rows[@]}"; do echo "${r//|/ }"; done
	echo "Net à payer avant impôt sur le revenu : 1697,67 euros Net payé le 31/03 par virement"
	echo "Dans votre intérêt et pour vous aider à faire valoir vos droits, conservez ce bulletin de paie sans limitation de durée."; } > payslip.txt

# Identity card, front and back, alone on the glass (the lid is white).
CW=1011 CH=638 # 85.6 × 54 mm
card() { # card OUT LINES... : a card with a printed background and a face
	local out=$1; shift
	convert -density 300 -size ${CW}x${CH} gradient:'rgb(196,222,245)'-'rgb(242,205,220)' \
		-seed 5 \( -size ${CW}x${CH} plasma:'rgb(200,220,240)'-'rgb(240,210,225)' -blur 0x6 \) -compose blend -define compose:args=30 -composite \
		-fill 'rgb(0,35,120)' -draw "rectangle 0,0 $CW,70" -fill white -font Nimbus-Sans-Bold -pointsize 9 -annotate +30+50 "RÉPUBLIQUE FRANÇAISE" "$@" \
		\( -size ${CW}x${CH} xc:none -fill white -draw "roundrectangle 0,0 $((CW - 1)),$((CH - 1)) 40,40" \) -compose DstIn -composite "$out"
}
card "$T/front.png" -seed 9 \( -size 260x330 plasma:'rgb(120,90,70)'-'rgb(230,200,170)' -blur 0x3 -fill 'rgb(90,60,45)' -draw "ellipse 130,140 70,90 0,360" \) -geometry +40+130 -compose over -composite \
	-fill 'rgb(10,10,40)' -font Nimbus-Sans-Bold -pointsize 8 -annotate +330+130 "CARTE NATIONALE D'IDENTITÉ" -font Nimbus-Sans-Regular -pointsize 7 \
	-annotate +330+200 "Nom : MARTIN" -annotate +330+260 "Prénoms : Claire Sophie" -annotate +330+320 "Sexe : F   Nationalité : FRA" \
	-annotate +330+380 "Date de naissance : 14 03 1962" -annotate +330+440 "Lieu de naissance : TOULOUSE" -annotate +330+500 "Numéro : X4RTBPFW4"
card "$T/back.png" -fill 'rgb(10,10,40)' -font Nimbus-Sans-Regular -pointsize 7 \
	-annotate +40+150 "Adresse : 12 rue des Lilas 31000 Toulouse" -annotate +40+210 "Taille : 1,65 m" \
	-annotate +40+270 "Carte valable jusqu'au : 02 05 2031" -annotate +40+330 "Délivrée par : Préfecture de la Haute-Garonne" \
	-fill white -draw "rectangle 0,460 $CW,$CH" -fill black -font DejaVu-Sans-Mono -pointsize 8 -annotate +30+530 "IDFRAMARTIN<<<<<<<<<<<<<<<<<<<<310123" -annotate +30+600 "X4RTBPFW4<<CLAIRE<<SOPHIE<<6203141F"
glass() { # glass CARD OUT ANGLE X Y: the card on the glass, with its shadow
	convert -density 300 -size ${W}x${H} xc:'rgb(246,246,244)' \( "$1" -background none -rotate "$3" \( +clone -background 'rgb(60,60,60)' -shadow 60x4+3+3 \) +swap -background none -layers merge +repage \) \
		-geometry +$4+$5 -compose over -composite -blur 0x0.6 -seed 21 -attenuate 0.12 +noise Gaussian -sampling-factor 2x2 -quality 80 -units PixelsPerInch -density 300 "$2"
}
glass "$T/front.png" idcard-front.jpg 2.5 180 240
glass "$T/back.png" idcard-back.jpg -1.5 210 260
printf '%s\n' "RÉPUBLIQUE FRANÇAISE" "CARTE NATIONALE D'IDENTITÉ" "Nom : MARTIN" "Prénoms : Claire Sophie" "Sexe : F Nationalité : FRA" \
	"Date de naissance : 14 03 1962" "Lieu de naissance : TOULOUSE" "Numéro : X4RTBPFW4" > idcard-front.txt
printf '%s\n' "RÉPUBLIQUE FRANÇAISE" "Adresse : 12 rue des Lilas 31000 Toulouse" "Taille : 1,65 m" "Carte valable jusqu'au : 02 05 2031" \
	"Délivrée par : Préfecture de la Haute-Garonne" > idcard-back.txt

# A leaflet with a colour photo.
cat > "$T/leaflet.txt" <<'TXT'
France Services vous accompagne dans vos démarches administratives du quotidien. Nos agents vous aident à déclarer vos revenus, à demander une aide au logement, à renouveler vos papiers d'identité, à créer votre espace en ligne et à prendre rendez-vous avec un conseiller. L'accueil est gratuit et ouvert à tous, avec ou sans rendez-vous. Des ordinateurs, un scanner et une imprimante sont à votre disposition. Apportez vos justificatifs, vos identifiants et une pièce d'identité.
TXT
convert -density 300 -size ${W}x${H} xc:'rgb(250,250,250)' -fill 'rgb(0,90,160)' -font Nimbus-Sans-Bold -pointsize 22 -annotate +240+330 "France Services" \
	-seed 3 \( -size 1600x1000 plasma:'rgb(40,120,40)'-'rgb(120,180,240)' -blur 0x2 -fill 'rgb(220,160,60)' -draw "circle 1200,250 1300,300" \) -geometry +440+450 -compose over -composite \
	-fill 'rgb(20,20,20)' -font Nimbus-Sans-Regular -pointsize 11 -interline-spacing 8 -annotate +240+1650 "$(text "$T/leaflet.txt")" "$T/leaflet.png"
scanned "$T/leaflet.png" photo-leaflet.jpg 'rgb(250,250,250)'
(echo "France Services"; cat "$T/leaflet.txt") > photo-leaflet.txt

# A form filled in by hand, in blue ink.
labels=("Nom de naissance" "Prénom" "Date de naissance" "Adresse" "Code postal et commune" "Téléphone" "Situation familiale" "Nombre d'enfants à charge")
answers=("Kowalski" "Marta" "23 juillet 1978" "4 allée des Tilleuls" "69100 Villeurbanne" "06 12 34 56 78" "Mariée" "Deux enfants")
draw=() y=600
for i in "${!labels[@]}"; do
	draw+=(-fill 'rgb(30,30,30)' -font Nimbus-Sans-Regular -pointsize 10 -annotate +240+$y "${labels[$i]} :"
		-fill none -stroke 'rgb(90,90,90)' -strokewidth 2 -draw "rectangle 1000,$((y - 70)) 2240,$((y + 25))" -stroke none
		-fill 'rgb(20,40,150)' -font Z003-MediumItalic -pointsize 18 -annotate +1040+$((y + 5)) "${answers[$i]}")
	y=$((y + 180))
done
convert -density 300 -size ${W}x${H} xc:'rgb(251,251,249)' -fill 'rgb(30,30,30)' -font Nimbus-Sans-Bold -pointsize 14 \
	-annotate +240+400 "DEMANDE DE LOGEMENT SOCIAL" "${draw[@]}" -fill 'rgb(30,30,30)' -font Nimbus-Sans-Regular -pointsize 10 \
	-annotate +240+$((y + 100)) "Je certifie sur l'honneur l'exactitude des renseignements portés sur ce formulaire." "$T/form.png"
scanned "$T/form.png" handwritten-form.jpg 'rgb(251,251,249)'
{ echo "DEMANDE DE LOGEMENT SOCIAL"; for i in "${!labels[@]}"; do echo "${labels[$i]} : ${answers[$i]}"; done
	echo "Je certifie sur l'honneur l'exactitude des renseignements portés sur ce formulaire."; } > handwritten-form.txt

# A 15 × 10 cm photo print alone on the glass, for the photo kind.
convert -seed 11 -size 1772x1181 plasma:'rgb(60,140,60)'-'rgb(150,190,245)' -blur 0x2 -fill 'rgb(200,70,50)' -draw "circle 600,700 600,900" \
	-fill 'rgb(250,230,120)' -draw "circle 1400,300 1400,400" "$T/print.png"
glass "$T/print.png" photo-print.jpg 1.2 300 500

