"""The conversation log: one atomic Parquet record per turn, partitioned by day."""

from components.conversation_log.log import SCHEMA, Conversation, ConversationLog, TurnRecord

__all__ = ["SCHEMA", "Conversation", "ConversationLog", "TurnRecord"]
