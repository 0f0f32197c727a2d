-- Upgrade 0.1 -> 0.2, audio (issue 16): every clip is decoded by the
-- convdash_decode process (extension/decode.c, decoder/) for its duration
-- and peaks, for WAV, FLAC, Ogg, WebM, MP3 and MP4; extension/wav.c is gone.
-- The new and changed functions come with every other function (make
-- regenerates them from the install script). After the upgrade, clips stored before it have
-- no peaks unless they were WAV: they are decoded on their first
-- audio_peaks, or all at once with
--     CALL convdash.backfill_audio();   -- progress as NOTICEs, a commit per batch
-- Clips of a MIME type convdash does not decode stay as they are (their
-- peaks only from set_audio_peaks); new ones are refused (22023).

-- replaced: clip_analyze(loid, wav boolean) -> clip_analyze(loid, mime, formats); wav_mime -> audio_formats
DROP FUNCTION convdash.clip_analyze(oid, boolean);
DROP FUNCTION convdash.wav_mime(text);
