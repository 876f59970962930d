"""Image helpers behind `bot.analysis.ocr`: screenshot layout, QR codes, perceptual hashes."""
