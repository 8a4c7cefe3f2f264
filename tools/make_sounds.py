"""Write the scan stations' sounds to resources/sounds/ (short 16-bit mono WAVs, made here so they
carry no licence question). Each outcome has a sound a forwarder can tell apart without looking:

    ok       one short high beep           received, packed, found
    again    two quick beeps               already scanned: nothing counted twice
    unknown  a rising two-note chime       unknown code: an ownerless parcel
    warn     three mid beeps               excess, extra, weight difference
    error    a low buzz                    refused: not a code, wrong destination…
    alert    a falling siren               an alert note stops the scan
    review   three rising notes, twice     a scan answered offline got another answer: "To review"

    python tools/make_sounds.py
"""
from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 22050
OUT = Path(__file__).resolve().parent.parent / "resources" / "sounds"


def tone(freq: float, ms: int, volume: float = 0.55, square: bool = False) -> list[float]:
    n = int(RATE * ms / 1000)
    fade = min(n // 4, int(RATE * 0.006))
    out = []
    for i in range(n):
        s = math.sin(2 * math.pi * freq * i / RATE)
        if square:
            s = 0.6 * (1 if s >= 0 else -1) + 0.4 * s
        env = min(1.0, i / fade if fade else 1, (n - i) / fade if fade else 1)
        out.append(volume * env * s)
    return out


def silence(ms: int) -> list[float]:
    return [0.0] * int(RATE * ms / 1000)


def glide(f0: float, f1: float, ms: int, volume: float = 0.5) -> list[float]:
    n = int(RATE * ms / 1000)
    out, phase = [], 0.0
    for i in range(n):
        f = f0 + (f1 - f0) * i / n
        phase += 2 * math.pi * f / RATE
        env = min(1.0, i / 200, (n - i) / 200)
        out.append(volume * env * math.sin(phase))
    return out


SOUNDS = {
    "ok": tone(1568, 110),
    "again": tone(988, 70) + silence(55) + tone(988, 70),
    "unknown": tone(659, 150) + tone(988, 220),
    "warn": tone(784, 90) + silence(60) + tone(784, 90) + silence(60) + tone(784, 90),
    "error": tone(196, 420, 0.5, square=True),
    "alert": glide(1200, 600, 300) + glide(1200, 600, 300),
    "review": (tone(523, 90) + tone(659, 90) + tone(784, 140) + silence(120)) * 2,
}


def write(name: str, samples: list[float]) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b"".join(struct.pack("<h", int(max(-1.0, min(1.0, s)) * 32767)) for s in samples))
    return path


def main() -> None:
    for name, samples in SOUNDS.items():
        print(write(name, samples))


if __name__ == "__main__":
    main()
