// The agents area (Hermes, NemoTron, OpenClaw, ElephantAlpha) as the rest of Vigil sees it.
export { wireAgents, healGateway, type Agents, type AgentDeps } from './wire';
export { TelegramUpdate, type CallbackOutcome } from './elephant/telegram';
