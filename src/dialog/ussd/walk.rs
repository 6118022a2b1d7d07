//! Reading a session's inputs, one by one from the main menu, into the screen they lead to.
//!
//! Pure: the same inputs in the same language always lead to the same screen, which is what lets
//! any instance answer any step, and a replayed request get the screen it got before.

use std::collections::BTreeMap;

use super::menu::{Choice, Entry, Form, Live, Target, Topics, BACK, MAIN, MORE};
use super::render::{self, InputError};
use crate::i18n::{Locales, Msg};

/// Where the inputs led.
pub enum Outcome {
    /// A screen that waits for the next input.
    Screen {
        /// Names the screen and page, for the session row (`marriage/age#2`).
        id: String,
        /// The page, without the error line.
        page: String,
        /// Why the last input was not taken, if it was not.
        error: Option<InputError>,
    },
    /// 0 on the main menu.
    Exit,
    /// A choice was made: the feature is called, and the session ends.
    Pick {
        choice: &'static Choice,
        value: String,
    },
    /// The inputs open a live text whose lines were not given: fetch them and walk again.
    Fetch(&'static Live),
    /// A form was confirmed: the feature is called with the values, and the session ends.
    Submit {
        form: &'static Form,
        values: Vec<&'static str>,
    },
}

/// The lines of the live texts fetched for this request, by [`Live::id`].
pub type Fetched = BTreeMap<&'static str, Vec<String>>;

pub struct Walk {
    pub outcome: Outcome,
    /// Every input was taken, none after the session ended: the inputs could be a dial string
    /// (`*123*4*1#` arrives as `4*1`).
    pub clean: bool,
}

enum Keys {
    Menu(&'static [Entry]),
    Topics(&'static Topics),
    Choice(&'static Choice, Vec<String>),
    /// Step `.1` of a form, with the values chosen before it; at `steps.len()` it is the
    /// confirmation.
    Form(&'static Form, usize, Vec<&'static str>),
    Text,
}

struct Frame {
    id: String,
    pages: Vec<String>,
    page: usize,
    keys: Keys,
}

/// Lists numbered from 1 stop before 9, which is "more".
const MAX_LISTED: usize = (MORE - 1) as usize;

/// An input as a number: `None` when it is not one (a letter, junk, nothing).
fn number(input: &str) -> Option<u32> {
    let input = input.trim();
    if input.is_empty() || !input.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // All digits but too long for a u32: a number, just not an option.
    Some(input.parse().unwrap_or(u32::MAX))
}

struct Ctx<'a> {
    locales: &'a Locales,
    lang: &'a str,
    live: &'a Fetched,
}

impl Ctx<'_> {
    fn text(&self, id: &'static str) -> String {
        render::plain(self.locales, self.lang, &Msg::new(id))
    }

    fn menu(
        &self,
        id: &str,
        title: &'static str,
        options: Vec<(u8, String)>,
        keys: Keys,
        root: bool,
    ) -> Frame {
        Frame {
            id: id.to_string(),
            pages: render::menu_pages(self.locales, self.lang, &self.text(title), &options, root),
            page: 0,
            keys,
        }
    }

    fn root(&self) -> Frame {
        let options = MAIN
            .entries
            .iter()
            .map(|e| (e.key, self.text(e.label)))
            .collect();
        self.menu(MAIN.id, MAIN.title, options, Keys::Menu(MAIN.entries), true)
    }

    /// The frame `target` opens, or the live text it needs first.
    fn open(&self, target: &'static Target) -> Result<Frame, &'static Live> {
        Ok(match target {
            Target::Menu(m) => {
                let options = m
                    .entries
                    .iter()
                    .map(|e| (e.key, self.text(e.label)))
                    .collect();
                self.menu(m.id, m.title, options, Keys::Menu(m.entries), false)
            }
            Target::Topics(t) => {
                let options = t
                    .topics
                    .iter()
                    .take(MAX_LISTED)
                    .zip(1u8..)
                    .map(|(topic, k)| (k, self.text(topic.title)))
                    .collect();
                self.menu(t.id, t.title, options, Keys::Topics(t), false)
            }
            Target::Choice(c) => {
                let list: Vec<(String, String)> = (c.list)(self.locales)
                    .into_iter()
                    .take(MAX_LISTED)
                    .collect();
                let options = list
                    .iter()
                    .zip(1u8..)
                    .map(|((_, l), k)| (k, render::line(l)))
                    .collect();
                let values = list.into_iter().map(|(v, _)| v).collect();
                self.menu(c.id, c.title, options, Keys::Choice(c, values), false)
            }
            Target::Form(f) => self.form_step(f, 0, Vec::new()),
            Target::Live(l) => {
                let lines = self.live.get(l.id).ok_or(*l)?;
                Frame {
                    id: l.id.to_string(),
                    pages: render::line_pages(self.locales, self.lang, lines),
                    page: 0,
                    keys: Keys::Text,
                }
            }
        })
    }

    /// Step `i` of form `f` (its confirmation when every step is done).
    fn form_step(&self, f: &'static Form, i: usize, values: Vec<&'static str>) -> Frame {
        match f.steps.get(i) {
            Some(step) => {
                let options = step
                    .options
                    .iter()
                    .take(MAX_LISTED)
                    .zip(1u8..)
                    .map(|((_, label), k)| (k, self.text(label)))
                    .collect();
                let id = format!("{}/{}", f.id, step.id);
                self.menu(&id, step.title, options, Keys::Form(f, i, values), false)
            }
            None => {
                let options = vec![(1, self.text(f.send))];
                let id = format!("{}/confirm", f.id);
                self.menu(&id, f.confirm, options, Keys::Form(f, i, values), false)
            }
        }
    }

    fn topic(&self, parent: &str, topic: &crate::features::marriage_law::Topic) -> Frame {
        Frame {
            id: format!("{parent}/{}", topic.key),
            pages: render::text_pages(self.locales, self.lang, &self.text(topic.body)),
            page: 0,
            keys: Keys::Text,
        }
    }
}

/// Follows `inputs` from the main menu, in language `lang`, with the live texts in `live`.
pub fn walk(locales: &Locales, lang: &str, inputs: &[&str], live: &Fetched) -> Walk {
    let ctx = Ctx {
        locales,
        lang,
        live,
    };
    let mut stack = vec![ctx.root()];
    let mut error = None;
    let mut clean = true;
    for (i, input) in inputs.iter().enumerate() {
        let last = i + 1 == inputs.len();
        error = None;
        let Some(n) = number(input) else {
            error = Some(InputError::NotANumber);
            clean = false;
            continue;
        };
        let depth = stack.len();
        let Some(top) = stack.last_mut() else { break };
        let opened = match n {
            n if n == u32::from(BACK) => {
                if depth == 1 {
                    return Walk {
                        outcome: Outcome::Exit,
                        clean: clean && last,
                    };
                }
                stack.pop();
                continue;
            }
            n if n == u32::from(MORE) && top.page + 1 < top.pages.len() => {
                top.page += 1;
                continue;
            }
            n => match &top.keys {
                Keys::Menu(entries) => match entries.iter().find(|e| u32::from(e.key) == n) {
                    Some(e) => match ctx.open(&e.target) {
                        Ok(frame) => Some(frame),
                        Err(l) => {
                            return Walk {
                                outcome: Outcome::Fetch(l),
                                clean,
                            }
                        }
                    },
                    None => None,
                },
                Keys::Topics(t) => {
                    list_index(n, t.topics.len()).map(|i| ctx.topic(&top.id, &t.topics[i]))
                }
                Keys::Choice(choice, values) => {
                    if let Some(i) = list_index(n, values.len()) {
                        let outcome = Outcome::Pick {
                            choice,
                            value: values[i].clone(),
                        };
                        return Walk {
                            outcome,
                            clean: clean && last,
                        };
                    }
                    None
                }
                Keys::Form(form, i, values) => match form.steps.get(*i) {
                    Some(step) => list_index(n, step.options.len()).map(|k| {
                        let mut values = values.clone();
                        values.push(step.options[k].0);
                        ctx.form_step(form, i + 1, values)
                    }),
                    None if n == 1 => {
                        let outcome = Outcome::Submit {
                            form,
                            values: values.clone(),
                        };
                        return Walk {
                            outcome,
                            clean: clean && last,
                        };
                    }
                    None => None,
                },
                Keys::Text => None,
            },
        };
        match opened {
            Some(frame) => stack.push(frame),
            None => {
                error = Some(InputError::NoSuchOption);
                clean = false;
            }
        }
    }
    let top = stack.last().map(|f| {
        (
            f.id.clone(),
            f.page,
            f.pages.get(f.page).cloned().unwrap_or_default(),
        )
    });
    let (id, page_no, page) = top.unwrap_or_default();
    let id = if page_no == 0 {
        id
    } else {
        format!("{id}#{}", page_no + 1)
    };
    Walk {
        outcome: Outcome::Screen { id, page, error },
        clean,
    }
}

fn list_index(n: u32, len: usize) -> Option<usize> {
    let i = usize::try_from(n).ok()?.checked_sub(1)?;
    (i < len.min(MAX_LISTED)).then_some(i)
}
