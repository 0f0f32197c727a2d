-- Hand-written conversations for the demo, added through the ingest
-- functions as an agent runtime would: they are the newest rows, so they are
-- what a visitor of the dashboard reads first. Rich text (bold, lists, a
-- table, code, a link), a message that tries to inject a script, memory,
-- tracker data with a trigger, a rating, an ongoing conversation, a voice
-- one (its clips say its text: scripts/demo_voice.sh, which runs after this).
--
--   psql -v account_name=Demo -f scripts/demo_showcase.sql
\set ON_ERROR_STOP on
SELECT set_config('convdash.account_id', id::text, false) AS tenant
FROM convdash.accounts WHERE name = :'account_name' \gset

SELECT convdash.create_agent('Nova', 'Northwind Outdoor', 'active') AS nova \gset
SELECT convdash.create_agent('Atlas', 'Northwind Outdoor', 'hybrid') AS atlas \gset
SELECT convdash.create_agent('Iris', 'Northwind Outdoor', 'passive') AS iris \gset

-- 1. A widget conversation with tracker data, memory, rich answers, a rating.
SELECT convdash.create_tracker_session('mobile', 'Safari', 'iOS 18', 'Germany', 'Hamburg',
	'https://northwind.example/tents/ridge-2', 'google', 'spring_sale', 'cpc',
	now() - interval '52 minutes', 610, 4, false) AS ts1 \gset
SELECT convdash.add_pageview(:ts1, 'https://northwind.example/tents/ridge-2', 'Ridge 2 Ultralight Tent', 140, 85, now() - interval '52 minutes');
SELECT convdash.add_pageview(:ts1, 'https://northwind.example/tents/compare', 'Compare tents', 95, 60, now() - interval '49 minutes');
SELECT convdash.add_pageview(:ts1, 'https://northwind.example/shipping', 'Shipping & returns', 40, 100, now() - interval '47 minutes');
SELECT convdash.add_pageview(:ts1, 'https://northwind.example/cart', 'Your cart', 35, 30, now() - interval '46 minutes');
SELECT convdash.add_event(:ts1, 'add_to_cart', 'click', now() - interval '48 minutes');
SELECT convdash.add_event(:ts1, 'coupon_applied', 'form', now() - interval '46 minutes');
SELECT convdash.add_event(:ts1, 'exit_intent', 'behaviour', now() - interval '45 minutes',
	'Cart rescue', 'open_chat', '{"cart_value": 349.0, "currency": "EUR", "items": ["RIDGE-2", "PEG-SET"], "discount_offered": "FREESHIP"}');
SELECT convdash.start_conversation(:nova, 'nw-7f3a9c21', 'widget', 'ai', now() - interval '45 minutes', :ts1) AS c1 \gset
SELECT convdash.append_message(:c1, 'system', 'You are Nova, the shopping assistant of Northwind Outdoor.', 38, 0, now() - interval '45 minutes');
SELECT convdash.append_message(:c1, 'user', 'Hi! Is the Ridge 2 tent really under 1.5 kg? I''m hiking the Kungsleden in June.', NULL, NULL, now() - interval '44 minutes 50 seconds');
SELECT convdash.append_message(:c1, 'assistant', E'Hi! Yes — the **Ridge 2 Ultralight** weighs **1.38 kg** packed. For the Kungsleden in June:\n\n- it is rated for **3 seasons**, fine for Lapland summer nights around 5 °C;\n- the vestibule fits two packs;\n- pitch time is about 4 minutes.\n\n| Model | Weight | Sleeps |\n|---|---|---|\n| Ridge 2 | 1.38 kg | 2 |\n| Ridge 3 | 1.71 kg | 3 |\n\nWould you like me to check delivery to your address?', 412, 118, now() - interval '44 minutes 41 seconds');
SELECT convdash.append_message(:c1, 'user', 'Yes please, to Hamburg 20095. And does the coupon work with free shipping?', NULL, NULL, now() - interval '44 minutes 10 seconds');
SELECT convdash.append_message(:c1, 'tool', '{"tool":"shipping_quote","zip":"20095","carrier":"DHL","days":2}', NULL, NULL, now() - interval '44 minutes 6 seconds');
SELECT convdash.append_message(:c1, 'assistant', E'Delivery to **20095 Hamburg** takes **2 working days** with DHL. The coupon `SPRING15` combines with free shipping, so your total is **€296.65**. See [shipping & returns](https://northwind.example/shipping) — you have 60 days to return it unused.', 655, 71, now() - interval '44 minutes');
SELECT convdash.append_message(:c1, 'user', 'Perfect, ordering now. Thanks Nova!', NULL, NULL, now() - interval '43 minutes 20 seconds');
SELECT convdash.append_message(:c1, 'assistant', 'Happy trails! Your order confirmation will arrive by e-mail in a minute.', 790, 19, now() - interval '43 minutes 14 seconds');
SELECT convdash.merge_memory(:c1, '{"name": "Lena", "trip": "Kungsleden, June", "zip": "20095", "interested_in": ["Ridge 2", "peg set"], "coupon": "SPRING15"}');
SELECT convdash.set_sentiment(:c1, NULL, 0.82);
SELECT convdash.set_converted(:c1, true);
SELECT convdash.close_conversation(:c1, NULL, now() - interval '42 minutes');
SELECT convdash.rate_conversation(:c1, 5, 'Fast and precise, exactly what I needed.');

-- 2. An ongoing WhatsApp conversation about a late order (hybrid agent).
SELECT convdash.start_conversation(:atlas, '+49-151-2209-7734', 'whatsapp', 'ai', now() - interval '6 minutes') AS c2 \gset
SELECT convdash.append_message(:c2, 'user', 'My order ORD-204918377 was supposed to arrive yesterday. Where is it??', NULL, NULL, now() - interval '6 minutes');
SELECT convdash.append_message(:c2, 'tool', '{"tool":"lookup_order","order":"ORD-204918377","status":"in_transit","delay_reason":"weather"}', NULL, NULL, now() - interval '5 minutes 57 seconds');
SELECT convdash.append_message(:c2, 'assistant', E'I''m sorry for the wait. Order **ORD-204918377** is in transit — the carrier reports a weather delay in the Alps.\n\n1. New estimate: **tomorrow before 18:00**\n2. Tracking: [DHL 00340434161094](https://northwind.example/track/00340434161094)\n\nShall I ask a colleague to refund the shipping fee?', 380, 84, now() - interval '5 minutes 50 seconds');
SELECT convdash.append_message(:c2, 'user', 'Yes, please. This is the second time.', NULL, NULL, now() - interval '4 minutes');
SELECT convdash.merge_memory(:c2, '{"order": "ORD-204918377", "escalated": true, "language": "en"}');
SELECT convdash.set_sentiment(:c2, 'negative', -0.46);

-- 3. A voice call (VoIP) handled by a human with the passive agent auditing.
SELECT convdash.start_conversation(:iris, 'sip:+4940555012@pbx.northwind.example', 'voip', 'human', now() - interval '2 hours') AS c3 \gset
SELECT convdash.append_message(:c3, 'user', 'Hello, I want to exchange my sleeping bag for a warmer one.', NULL, NULL, now() - interval '2 hours');
SELECT convdash.append_message(:c3, 'assistant', 'Of course. Which size do you have, and do you still have the receipt?', NULL, NULL, now() - interval '1 hour 59 minutes 40 seconds');
SELECT convdash.append_message(:c3, 'user', 'Regular size, and yes I have the receipt number: NW-55-1207.', NULL, NULL, now() - interval '1 hour 59 minutes 10 seconds');
SELECT convdash.append_message(:c3, 'assistant', 'Thank you. I''ve started the exchange to the Polar -10 model; a return label is on its way by e-mail.', NULL, NULL, now() - interval '1 hour 58 minutes 30 seconds');
-- each turn of the call gets a clip of its text spoken: scripts/demo_voice.sh, run after this
SELECT convdash.set_sentiment(:c3, 'positive', 0.31);
SELECT convdash.close_conversation(:c3, 'Exchange arranged', now() - interval '1 hour 57 minutes');

-- 4. A Telegram conversation in which the visitor tries to inject markup.
SELECT convdash.start_conversation(:nova, 'tg-558120934', 'telegram', 'ai', now() - interval '3 hours') AS c4 \gset
SELECT convdash.append_message(:c4, 'user', 'Can you print this? <script>alert("hi")</script> <img src=x onerror=alert(1)>', NULL, NULL, now() - interval '3 hours');
SELECT convdash.append_message(:c4, 'assistant', E'I can only show text, so here it is as code:\n\n```\n<script>alert("hi")</script>\n```\n\nIs there anything about our products I can help with?', 120, 40, now() - interval '2 hours 59 minutes 52 seconds');
SELECT convdash.set_sentiment(:c4, 'neutral');
SELECT convdash.close_conversation(:c4, 'Visitor left', now() - interval '2 hours 55 minutes');
SELECT convdash.rate_conversation(:c4, 2);
SELECT convdash.archive_conversation(:c4);

RESET convdash.account_id;
