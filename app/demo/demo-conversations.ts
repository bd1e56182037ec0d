/**
 * The demo workspace's support threads: each a subject and the turns a real conversation takes
 * (the customer's first message, the agent's answer, the customer's follow-up, the agent's
 * resolution) plus a note the team might leave. `{order}`, `{invoice}` and `{amount}` are filled
 * in per ticket so repeated threads do not read identically.
 */
export type DemoConversation = {
  subject: string;
  tags: string[];
  opening: string;
  reply: string;
  followUp: string;
  resolution: string;
  note: string;
};

export const DEMO_CONVERSATIONS: DemoConversation[] = [
  // billing
  {
    subject: "Charged twice this month",
    tags: ["billing"],
    opening: "Hi, I was charged twice for my subscription this month: two payments of {amount} on the same day. Could you refund one of them?",
    reply:
      "Sorry about that! I can see both payments on invoice {invoice}. The second one was a retry that should have been cancelled. I have started a refund for it.",
    followUp: "Thanks. How long does the refund usually take to show up on my card?",
    resolution: "It is on its way: refunds take 5 to 10 business days depending on your bank. You will also get an email receipt for it.",
    note: "Duplicate charge from the payment retry bug (see last week's incident). Refund issued, no credit needed.",
  },
  {
    subject: "Invoice shows the wrong company address",
    tags: ["billing", "account"],
    opening: "Our invoice {invoice} still shows our old office address. Our accounting team cannot book it like this. Can you reissue it?",
    reply:
      "Of course. You can change the billing address under Settings → Billing, but past invoices keep the address they were issued with, so I will reissue {invoice} for you by hand.",
    followUp: "I updated the address in the settings. Please use the new one for the reissued invoice.",
    resolution: "Done: the corrected invoice is attached to your account and was emailed to your billing contact. Future invoices will use the new address.",
    note: "Reissued manually in the billing system; the old invoice is voided.",
  },
  {
    subject: "Refund for my cancelled subscription",
    tags: ["billing"],
    opening: "I cancelled my plan on the 2nd but was still billed {amount} on the 5th. I would like a refund for that payment.",
    reply:
      "Thanks for letting us know. Your cancellation was recorded after the renewal had already been queued, which is why the charge went through. I am refunding it in full.",
    followUp: "Great, and my account will not be charged again, right?",
    resolution: "Correct: your subscription is cancelled and no further payments are scheduled. The refund should reach you within a week.",
    note: "Cancellation and renewal crossed by three days. Full refund approved.",
  },
  // sign-in problems
  {
    subject: "Password reset email never arrives",
    tags: ["account"],
    opening: "I have requested a password reset three times and no email has arrived, not even in spam. I cannot get into my account.",
    reply:
      "Sorry for the trouble. Our logs show the emails were rejected by your mail server. Could you check whether your company filters mail from new senders?",
    followUp: "Our IT team found them in quarantine and released one. The link says it has expired though.",
    resolution: "I have sent a fresh link, valid for one hour. Your IT team has allowed our address now, so future emails should come straight through.",
    note: "Customer's mail gateway quarantines us. Suggested they allow our sending domain.",
  },
  {
    subject: "Two-factor codes are rejected",
    tags: ["account", "bug"],
    opening: "Every code from my authenticator app is refused as invalid. I changed phones last week, could that be why?",
    reply: "That is very likely it. Codes depend on the phone's clock; could you check that the time on your new phone is set automatically?",
    followUp: "The clock was set manually and was two minutes off. Codes work again now that I fixed it.",
    resolution: "Glad that did it! If you ever lose the phone, the recovery codes from your security settings will get you back in.",
    note: "Clock drift on the new device, not our issue. Worth a help article.",
  },
  {
    subject: "Locked out after too many attempts",
    tags: ["account"],
    opening: "I mistyped my password a few times and now the sign-in page says my account is locked. I need access for a client meeting in an hour.",
    reply: "I understand the hurry. The lock lifts by itself after 15 minutes, and I have cleared it for you now, so you can sign in straight away.",
    followUp: "I am in, thank you! Is there a way to avoid this in future?",
    resolution: "A password manager avoids the typos, and you can also ask your admin to turn on single sign-on for your team.",
    note: "Lock cleared by hand; the attempts all came from the customer's own office address.",
  },
  // bugs
  {
    subject: "App crashes when uploading a photo",
    tags: ["bug"],
    opening: "The app closes as soon as I pick a photo to attach to order {order}. It happens every time, on an Android phone.",
    reply: "Thanks for the details. Could you tell me your Android version and roughly how large the photo is? Very large photos are a known trigger.",
    followUp: "Android 14, and the photo is about 18 MB straight from the camera.",
    resolution:
      "That matches the bug our team fixed in version 4.12, released today. After updating, large photos are resized before upload instead of crashing the app.",
    note: "Reproduced with a 15 MB+ image on Android 14. Fixed in 4.12; linked to the engineering issue.",
  },
  {
    subject: "Dashboard is very slow since yesterday",
    tags: ["bug"],
    opening: "Since yesterday afternoon the dashboard takes about 30 seconds to load for everyone on our team. Other pages are fine.",
    reply: "Thanks for flagging this. I can see the slowdown on our side too and have passed it to our engineers with your account details.",
    followUp: "Any news? It is still slow this morning.",
    resolution:
      "Our engineers found a missing database index from yesterday's release and added it an hour ago. The dashboard should load in a second or two again.",
    note: "Affects large accounts only. Engineering deployed the index fix at 09:40.",
  },
  {
    subject: "Export to CSV cuts off accented names",
    tags: ["bug"],
    opening: 'When I export my customer list to CSV, names like "Zoë" or "José" come out garbled in Excel.',
    reply:
      "Thanks for the example. Excel assumes an older encoding unless told otherwise. Could you try Data → From Text/CSV and choose UTF-8 while importing?",
    followUp: "That works, but my colleagues double-click the file and still see the garbled names.",
    resolution:
      "Fair point: from the next release our exports include a marker that makes Excel pick UTF-8 on a double-click too. I will let you know when it is live.",
    note: "Add the UTF-8 byte order mark to CSV exports; ticket raised with product.",
  },
  // shipping
  {
    subject: "Order {order} arrived damaged",
    tags: ["shipping"],
    opening: "My order {order} arrived today with the box crushed and the glass lid cracked. I have photos if you need them.",
    reply:
      "I am so sorry it arrived like that. No need for the photos: I have sent a replacement today at no cost, and you do not need to return the damaged one.",
    followUp: "That is very kind, thank you. Will the replacement come by the same courier?",
    resolution: "It is going with a different courier this time, with extra padding. You will get a tracking link by email this evening.",
    note: "Third damaged parcel from this courier this month. Flagged to logistics.",
  },
  {
    subject: "Delivery is a week late",
    tags: ["shipping"],
    opening: "Order {order} was supposed to arrive last Monday and tracking has not moved for six days. Where is it?",
    reply: "Thanks for your patience. The parcel is held at the courier's regional depot; I have opened an investigation with them.",
    followUp: "It is a birthday present, so I really need it by Saturday.",
    resolution:
      "The courier could not locate it in time, so I have sent a new one by express delivery: it will arrive on Friday. The lost parcel will be refunded to us, not charged to you.",
    note: "Courier investigation opened. Express replacement approved by the team lead.",
  },
  {
    subject: "Do you ship to Canada?",
    tags: ["shipping"],
    opening: "Hello! I would like to order from Canada. Do you ship there, and are import duties included in the price?",
    reply: "We do ship to Canada! Delivery takes 5 to 8 business days. Duties are not included at checkout, so the courier may collect them on delivery.",
    followUp: "Roughly how much would the duties be on an order of {amount}?",
    resolution: "For an order of that size, duties and taxes usually come to about 15 to 20 percent. Orders under CA$150 are duty free.",
    note: "Worth adding the Canadian duty threshold to the shipping FAQ.",
  },
  // feature requests
  {
    subject: "Feature request: dark mode",
    tags: ["feature-request"],
    opening: "I use the app late in the evening and the bright screen is hard on my eyes. Any plans for a dark mode?",
    reply: "Thank you for the suggestion! Dark mode is one of our most requested features and I have added your vote to it.",
    followUp: "Is there a rough timeline?",
    resolution: "The team plans to start on it next quarter. I will update this ticket as soon as there is a beta you can try.",
    note: "+1 for dark mode. Customer is happy to beta test.",
  },
  {
    subject: "Can we sync with Google Calendar?",
    tags: ["feature-request"],
    opening: "Our team books appointments in your app but plans its week in Google Calendar. Is there a way to sync the two?",
    reply: "There is no direct sync yet, but every team calendar has a private iCal link you can add to Google Calendar under Settings → Calendar.",
    followUp: "That shows our appointments, thanks. Could new bookings in Google appear in your app too?",
    resolution: "Two-way sync is on our roadmap; I have added your team to the list of customers we will invite to try it first.",
    note: "Two-way calendar sync requested again: add to the roadmap tally.",
  },
  {
    subject: "Add a teammate to our plan",
    tags: ["account", "feature-request"],
    opening: "We hired someone new. How do I add a seat for them, and will we be charged for the full month?",
    reply: "You can invite them under Settings → Team. The extra seat is charged pro rata, so you only pay for the days left in this billing period.",
    followUp: "Invited! Could we also give them read-only access?",
    resolution: "Read-only roles are not available yet, but I have passed your request on. For now the agent role cannot change billing or team settings.",
    note: "Another request for a read-only role.",
  },
];

/** What a customer might add once the thread has been answered. */
export const CUSTOMER_CLOSINGS = [
  "Thank you, that solved it!",
  "Perfect, thanks for the quick help.",
  "Got it, thanks. I will let you know if it happens again.",
  "Thanks for sorting this out so quickly.",
];
