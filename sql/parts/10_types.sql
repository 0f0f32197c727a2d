-- Enumerated types of the domain (DESIGN §2). Adding a value later is an
-- ALTER TYPE ... ADD VALUE in an upgrade script.

CREATE TYPE convdash.channel AS ENUM
	('web', 'widget', 'telegram', 'whatsapp', 'voip', 'messenger', 'crm');
COMMENT ON TYPE convdash.channel IS 'Channel the visitor used';

-- Declared in lifecycle order: sorting by status sorts active, closed, archived.
CREATE TYPE convdash.conversation_status AS ENUM ('active', 'closed', 'archived');
COMMENT ON TYPE convdash.conversation_status IS 'Conversation lifecycle: active (ongoing), closed (ended), archived';

CREATE TYPE convdash.handler AS ENUM ('ai', 'human');
COMMENT ON TYPE convdash.handler IS 'Who handled a conversation';

CREATE TYPE convdash.message_role AS ENUM ('user', 'assistant', 'system', 'tool');
COMMENT ON TYPE convdash.message_role IS 'Author of a message; only user and assistant messages are shown and counted';

CREATE TYPE convdash.agent_mode AS ENUM ('active', 'passive', 'hybrid');
COMMENT ON TYPE convdash.agent_mode IS 'active: the AI answers; passive: the team answers, the agent audits; hybrid: both';

CREATE TYPE convdash.device_type AS ENUM ('desktop', 'mobile', 'tablet');
COMMENT ON TYPE convdash.device_type IS 'Device class of a tracker session';

CREATE TYPE convdash.sentiment AS ENUM ('positive', 'negative', 'neutral');
COMMENT ON TYPE convdash.sentiment IS 'Sentiment label of a conversation; NULL means not analyzed';
