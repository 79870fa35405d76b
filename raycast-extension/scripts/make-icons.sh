#!/usr/bin/env bash
# Draws the extension's icons with ImageMagick (apt-get install imagemagick):
#   assets/extension-icon.png  512×512, the store and command icon
#   assets/bell.png            menu-bar bell for light menu bars (dark glyph)
#   assets/bell@dark.png       the same for dark menu bars (light glyph)
set -euo pipefail
cd "$(dirname "$0")/../assets"
CONVERT=/usr/bin/convert # /usr/local/bin may hold a stand-in without drawing support

# The bell on a 512 canvas: dome and flared rim, knob on top, clapper below.
BELL_BODY="path 'M 256 112 C 178 112 148 176 148 244 L 148 318 L 112 372 L 400 372 L 364 318 L 364 244 C 364 176 334 112 256 112 Z'"
BELL_KNOB="circle 256,104 256,80"
BELL_CLAPPER="path 'M 214 388 A 42 42 0 0 0 298 388 Z'"

"$CONVERT" -size 512x512 xc:none \
  \( -size 512x512 gradient:'#4f46e5-#0ea5e9' \) \
  \( -size 512x512 xc:none -fill white -draw "roundrectangle 16,16 495,495 112,112" \) \
  -delete 0 -alpha off -compose CopyOpacity -composite \
  -fill white -stroke none -draw "$BELL_BODY" -draw "$BELL_KNOB" -draw "$BELL_CLAPPER" \
  -fill '#f97316' -draw "circle 372,140 372,92" \
  extension-icon.png

menu_bell() {
  "$CONVERT" -size 512x512 xc:none -fill "$1" -stroke none \
    -draw "$BELL_BODY" -draw "$BELL_KNOB" -draw "$BELL_CLAPPER" \
    -trim +repage -resize 56x56 -gravity center -background none -extent 64x64 "$2"
}
menu_bell '#000000' bell.png
menu_bell '#ffffff' bell@dark.png
echo "icons written to $(pwd)"
