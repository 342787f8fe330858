//! The IRCv3 line format Twitch chat speaks: parsing what the server sends (tags, prefix, command,
//! params) and formatting the few lines the bot sends. Kept free of I/O so that the parser, which
//! reads untrusted input from the network, can be property-tested on its own.

use secrecy::{ExposeSecret, SecretString};

/// Why a received line is not an IRC message. Carries no part of the line: lines can be long, and
/// this error is logged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IrcError {
    #[error("empty line")]
    Empty,
    #[error("line has no command")]
    MissingCommand,
    #[error("line has an empty prefix")]
    EmptyPrefix,
    #[error("command is neither letters nor a three-digit numeric")]
    InvalidCommand,
}

/// One parsed IRC line. Tag values are unescaped; a tag given without `=` has an empty value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IrcMessage {
    /// Tags in the order received.
    pub tags: Vec<(String, String)>,
    /// The source, without the leading `:` (`nick!user@host` or a server name).
    pub prefix: Option<String>,
    /// The command, upper-cased (`PRIVMSG`, `PING`, `001`…).
    pub command: String,
    /// Middle params then the trailing param, the latter without its `:`.
    pub params: Vec<String>,
}

impl IrcMessage {
    /// Parses one line; a trailing CR/LF is ignored.
    pub fn parse(line: &str) -> Result<IrcMessage, IrcError> {
        let mut rest = line.trim_end_matches(['\r', '\n']);
        if rest.trim_matches(' ').is_empty() {
            return Err(IrcError::Empty);
        }
        let mut message = IrcMessage::default();

        if let Some(after_at) = rest.strip_prefix('@') {
            let (raw_tags, after) = after_at.split_once(' ').ok_or(IrcError::MissingCommand)?;
            message.tags = raw_tags
                .split(';')
                .filter(|tag| !tag.is_empty())
                .filter_map(|tag| {
                    let (key, value) = tag.split_once('=').unwrap_or((tag, ""));
                    (!key.is_empty()).then(|| (key.to_owned(), unescape_tag_value(value)))
                })
                .collect();
            rest = after.trim_start_matches(' ');
        }

        if let Some(after_colon) = rest.strip_prefix(':') {
            let (prefix, after) = after_colon.split_once(' ').ok_or(IrcError::MissingCommand)?;
            if prefix.is_empty() {
                return Err(IrcError::EmptyPrefix);
            }
            message.prefix = Some(prefix.to_owned());
            rest = after.trim_start_matches(' ');
        }

        let (command, mut rest) = rest.split_once(' ').unwrap_or((rest, ""));
        if command.is_empty() {
            return Err(IrcError::MissingCommand);
        }
        let is_numeric = command.len() == 3 && command.bytes().all(|b| b.is_ascii_digit());
        if !is_numeric && !command.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(IrcError::InvalidCommand);
        }
        message.command = command.to_ascii_uppercase();

        loop {
            rest = rest.trim_start_matches(' ');
            if rest.is_empty() {
                break;
            }
            if let Some(trailing) = rest.strip_prefix(':') {
                message.params.push(trailing.to_owned());
                break;
            }
            let (middle, after) = rest.split_once(' ').unwrap_or((rest, ""));
            message.params.push(middle.to_owned());
            rest = after;
        }
        Ok(message)
    }

    /// The value of a tag, if present.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The nick of the prefix (`alice` in `alice!alice@alice.tmi.twitch.tv`), or the whole prefix
    /// when it is a server name.
    pub fn nick(&self) -> Option<&str> {
        let prefix = self.prefix.as_deref()?;
        let nick = prefix.split(['!', '@']).next().unwrap_or(prefix);
        (!nick.is_empty()).then_some(nick)
    }

    /// The param at `index`, if present.
    pub fn param(&self, index: usize) -> Option<&str> {
        self.params.get(index).map(String::as_str)
    }
}

/// Escapes a tag value per IRCv3 (`;`, space, `\`, CR and LF).
pub fn escape_tag_value(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            ';' => escaped.push_str("\\:"),
            ' ' => escaped.push_str("\\s"),
            '\\' => escaped.push_str("\\\\"),
            '\r' => escaped.push_str("\\r"),
            '\n' => escaped.push_str("\\n"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// Unescapes a tag value per IRCv3: a lone trailing backslash is dropped, and an unknown escape
/// keeps the character but drops the backslash.
pub fn unescape_tag_value(value: &str) -> String {
    let mut unescaped = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            unescaped.push(c);
            continue;
        }
        match chars.next() {
            Some(':') => unescaped.push(';'),
            Some('s') => unescaped.push(' '),
            Some('r') => unescaped.push('\r'),
            Some('n') => unescaped.push('\n'),
            Some(other) => unescaped.push(other),
            None => {}
        }
    }
    unescaped
}

/// The lines the bot sends, without the CR/LF terminator (the writer adds it). Everything that
/// comes from elsewhere (text, channel names, ids) is cleaned so it can never end the line early
/// and smuggle a second command.
pub mod format {
    use super::*;

    /// The capabilities that give PRIVMSGs their tags and let the server send `RECONNECT`.
    pub const CAPABILITIES: &str = "twitch.tv/tags twitch.tv/commands";

    /// `PASS oauth:<token>`. Returned as a secret so the line itself is never printed by mistake.
    pub fn pass(access_token: &SecretString) -> SecretString {
        let token = access_token.expose_secret();
        let token = token.strip_prefix("oauth:").unwrap_or(token);
        SecretString::from(format!("PASS oauth:{}", single_line(token)))
    }

    /// `NICK <login>`, lower case as Twitch expects.
    pub fn nick(login: &str) -> String {
        format!("NICK {}", word(login).to_ascii_lowercase())
    }

    /// `CAP REQ :twitch.tv/tags twitch.tv/commands`.
    pub fn cap_req() -> String {
        format!("CAP REQ :{CAPABILITIES}")
    }

    /// `JOIN #a,#b`; channels given with or without `#`, in any case.
    pub fn join(channels: &[String]) -> String {
        let channels: Vec<String> = channels.iter().map(|c| format!("#{}", channel_name(c))).collect();
        format!("JOIN {}", channels.join(","))
    }

    /// `PING :<arg>`.
    pub fn ping(arg: &str) -> String {
        format!("PING :{}", single_line(arg))
    }

    /// `PONG :<arg>`, echoing the server's PING argument.
    pub fn pong(arg: &str) -> String {
        format!("PONG :{}", single_line(arg))
    }

    /// `[@reply-parent-msg-id=<id> ]PRIVMSG #<channel> :<text>`.
    pub fn privmsg(channel: &str, text: &str, reply_to: Option<&str>) -> String {
        let tag = match reply_to {
            Some(id) => format!("@reply-parent-msg-id={} ", escape_tag_value(id)),
            None => String::new(),
        };
        format!("{tag}PRIVMSG #{} :{}", channel_name(channel), single_line(text))
    }

    /// A channel login as Twitch writes it: lower case, no `#`, no characters that would split
    /// the line or a JOIN list.
    pub fn channel_name(channel: &str) -> String {
        word(channel.trim().trim_start_matches('#')).replace(',', "").to_ascii_lowercase()
    }

    /// CR, LF and NUL replaced by spaces: what a line may carry.
    fn single_line(text: &str) -> String {
        text.replace(['\r', '\n', '\0'], " ")
    }

    /// Whitespace and control characters removed: what a middle param may carry.
    fn word(text: &str) -> String {
        text.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_a_twitch_privmsg() {
        let line = "@badge-info=;badges=;color=;display-name=Ali\\sce;emotes=;first-msg=0;flags=;id=abc-1;mod=0;\
                    returning-chatter=0;room-id=1;subscriber=0;tmi-sent-ts=1700000000123;turbo=0;user-id=42;user-type= \
                    :alice!alice@alice.tmi.twitch.tv PRIVMSG #chan :!bid 0.05\r\n";
        let message = IrcMessage::parse(line).unwrap();
        assert_eq!(message.command, "PRIVMSG");
        assert_eq!(message.nick(), Some("alice"));
        assert_eq!(message.params, vec!["#chan", "!bid 0.05"]);
        assert_eq!(message.tag("display-name"), Some("Ali ce"));
        assert_eq!(message.tag("id"), Some("abc-1"));
        assert_eq!(message.tag("user-type"), Some(""));
        assert_eq!(message.tag("badges"), Some(""));
        assert_eq!(message.tag("missing"), None);
        assert_eq!(message.tags.len(), 16);
    }

    #[test]
    fn parses_lines_without_tags_or_prefix() {
        let ping = IrcMessage::parse("PING :tmi.twitch.tv").unwrap();
        assert_eq!((ping.prefix, ping.command.as_str(), ping.params), (None, "PING", vec!["tmi.twitch.tv".to_owned()]));

        let welcome = IrcMessage::parse(":tmi.twitch.tv 001 bot :Welcome, GLHF!").unwrap();
        assert_eq!(welcome.nick(), Some("tmi.twitch.tv"));
        assert_eq!(welcome.command, "001");
        assert_eq!(welcome.params, vec!["bot", "Welcome, GLHF!"]);

        let cap = IrcMessage::parse(":tmi.twitch.tv CAP * ACK :twitch.tv/tags twitch.tv/commands").unwrap();
        assert_eq!(cap.params, vec!["*", "ACK", "twitch.tv/tags twitch.tv/commands"]);

        let reconnect = IrcMessage::parse(":tmi.twitch.tv RECONNECT").unwrap();
        assert_eq!(reconnect.command, "RECONNECT");
        assert!(reconnect.params.is_empty());
    }

    #[test]
    fn keeps_empty_and_colon_trailing_params() {
        let message = IrcMessage::parse("PRIVMSG #chan :").unwrap();
        assert_eq!(message.params, vec!["#chan", ""]);
        let message = IrcMessage::parse("PRIVMSG #chan ::-) a:b").unwrap();
        assert_eq!(message.params, vec!["#chan", ":-) a:b"]);
        let message = IrcMessage::parse("privmsg  #a   b  :c  d ").unwrap();
        assert_eq!(message.command, "PRIVMSG");
        assert_eq!(message.params, vec!["#a", "b", "c  d "]);
    }

    #[test]
    fn tags_without_value_and_empty_keys() {
        let message = IrcMessage::parse("@a;=x;b=1;; PING").unwrap();
        assert_eq!(message.tags, vec![("a".to_owned(), String::new()), ("b".to_owned(), "1".to_owned())]);
    }

    #[test]
    fn rejects_lines_that_are_not_messages() {
        assert_eq!(IrcMessage::parse(""), Err(IrcError::Empty));
        assert_eq!(IrcMessage::parse("  \r\n"), Err(IrcError::Empty));
        assert_eq!(IrcMessage::parse("@a=b"), Err(IrcError::MissingCommand));
        assert_eq!(IrcMessage::parse("@a=b  "), Err(IrcError::MissingCommand));
        assert_eq!(IrcMessage::parse(":prefix"), Err(IrcError::MissingCommand));
        assert_eq!(IrcMessage::parse(": PING"), Err(IrcError::EmptyPrefix));
        assert_eq!(IrcMessage::parse("PRIV-MSG #a"), Err(IrcError::InvalidCommand));
        assert_eq!(IrcMessage::parse("0001 x"), Err(IrcError::InvalidCommand));
    }

    #[test]
    fn unescapes_per_ircv3() {
        assert_eq!(unescape_tag_value("a\\:b\\sc\\\\d\\re\\nf"), "a;b c\\d\re\nf");
        assert_eq!(unescape_tag_value("trailing\\"), "trailing");
        assert_eq!(unescape_tag_value("\\b\\x"), "bx");
        assert_eq!(unescape_tag_value(""), "");
        assert_eq!(escape_tag_value("a;b c\\d\re\nf"), "a\\:b\\sc\\\\d\\re\\nf");
    }

    #[test]
    fn formats_the_bot_lines() {
        let token = SecretString::from("oauth:abc123".to_owned());
        assert_eq!(format::pass(&token).expose_secret(), "PASS oauth:abc123");
        let token = SecretString::from("abc123".to_owned());
        assert_eq!(format::pass(&token).expose_secret(), "PASS oauth:abc123");
        assert_eq!(format::nick("GavelBot"), "NICK gavelbot");
        assert_eq!(format::cap_req(), "CAP REQ :twitch.tv/tags twitch.tv/commands");
        assert_eq!(format::join(&["#Alpha".to_owned(), "beta".to_owned()]), "JOIN #alpha,#beta");
        assert_eq!(format::pong("tmi.twitch.tv"), "PONG :tmi.twitch.tv");
        assert_eq!(format::privmsg("#chan", "hello", None), "PRIVMSG #chan :hello");
        assert_eq!(format::privmsg("chan", "hi", Some("id-1")), "@reply-parent-msg-id=id-1 PRIVMSG #chan :hi");
    }

    #[test]
    fn outgoing_text_cannot_inject_a_second_line() {
        let line = format::privmsg("chan\r\nJOIN #x", "a\r\nPRIVMSG #other :b\nc\rd", Some("x y\r\nQUIT"));
        assert!(!line.contains(['\r', '\n']));
        let parsed = IrcMessage::parse(&line).unwrap();
        assert_eq!(parsed.command, "PRIVMSG");
        assert_eq!(parsed.params, vec!["#chanjoin#x", "a  PRIVMSG #other :b c d"]);
        assert_eq!(parsed.tag("reply-parent-msg-id"), Some("x y\r\nQUIT"));
    }

    proptest! {
        #[test]
        fn parse_never_panics(line in ".*") {
            let _ = IrcMessage::parse(&line);
        }

        #[test]
        fn parse_never_panics_on_irc_like_lines(line in "(@[a-z=;\\\\ ]{0,12} )?(:[a-z!@.]{0,6} )?[A-Z0-9]{0,4}( [#:a-z\\\\ ]{0,8}){0,4}") {
            let _ = IrcMessage::parse(&line);
        }

        #[test]
        fn tag_values_round_trip(value in any::<String>()) {
            prop_assert_eq!(unescape_tag_value(&escape_tag_value(&value)), value.clone());
            let line = format!("@k={};other=1 PING :x", escape_tag_value(&value));
            let parsed = IrcMessage::parse(&line).unwrap();
            prop_assert_eq!(parsed.tag("k"), Some(value.as_str()));
            prop_assert_eq!(parsed.tag("other"), Some("1"));
        }

        #[test]
        fn privmsg_is_always_one_parseable_line(channel in "[a-z_#]{1,10}", text in any::<String>(), reply in proptest::option::of(any::<String>())) {
            let line = format::privmsg(&channel, &text, reply.as_deref());
            prop_assert!(!line.contains(['\r', '\n']));
            let parsed = IrcMessage::parse(&line).unwrap();
            prop_assert_eq!(parsed.command.as_str(), "PRIVMSG");
            prop_assert_eq!(parsed.params.len(), 2);
            prop_assert_eq!(parsed.tag("reply-parent-msg-id"), reply.as_deref());
        }
    }
}
