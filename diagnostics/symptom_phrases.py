"""The phrases of symptom inference (``symptoms``): (symptom, weight, pattern), Chinese and
English. Data only; how they are matched and weighed is in ``symptoms``.

Each phrase was added for a way subscribers actually put a problem (the handbook's keywords, the
scenario generator's complainants, and the misses of the lists in ``bench/data``), and kept
general: a gap (通话.{0,6}断), an optional word, never one sentence.
"""

from __future__ import annotations

CANT = (
    r"(?:can ?not|can'?t|cant|unable to|could ?n[o']?t|would ?n[o']?t|won'?t|doesn'?t|don'?t|"
    r"not able to)"
)

# (symptom, weight, pattern), all regexes on the lower-cased text. Chinese ones are mostly plain
# phrases (a gap like 通话.{0,6}断 catches 通话中突然断了); English ones match whole words.
ZH: tuple[tuple[str, float, str], ...] = (
    # "the network has a problem" and nothing more: the weakest reading of a signal complaint
    ("weak_signal", 1, "网络(?:有|出)?问题|网络不好|网络很?差|信号有问题"),
    ("roaming_failure", 2, "漫游"),
    ("roaming_failure", 1.5, "出国"),
    ("roaming_failure", 1.5, "境外"),
    ("roaming_failure", 1.5, "国外"),
    ("roaming_failure", 2, "(?:到|去|在)外地"),
    ("roaming_failure", 1, "外地"),
    ("roaming_failure", 1, "出差"),
    (
        "roaming_failure",
        2,
        "香港|澳门|台湾|日本|韩国|泰国|新加坡|马来西亚|越南|美国|英国|法国|德国|欧洲|迪拜|澳大利亚",
    ),
    ("sms_failure", 2, "短信"),
    ("sms_failure", 1.5, "验证码"),
    ("sms_failure", 1, "彩信"),
    ("no_signal", 2, "无信号"),
    ("no_signal", 2, "没有信号"),
    ("no_signal", 2, "没信号"),
    ("no_signal", 2, "无服务"),
    ("no_signal", 2, "信号全无"),
    ("no_signal", 2, "一格都没有"),
    ("no_signal", 1.5, "零格"),
    ("no_signal", 2, "仅限紧急呼叫|只能(?:打|拨)?紧急(?:电话|呼叫)"),
    ("no_signal", 1.5, "搜不到网"),
    ("no_signal", 1.5, "正在搜索|搜索网络|一直在搜索"),
    ("no_signal", 2, "信号都没有"),
    ("no_signal", 2, "信号.{0,2}没了"),
    ("no_signal", 2, "(?:一直是个|显示|是个|信号.{0,8})叉"),
    # "the phone is no use here" (到这里手机就不能用了, 手机没法用): nothing works, no service
    ("no_signal", 1, "手机.{0,4}(?:就|都)?(?:不能用|用不了|没法用)"),
    ("weak_signal", 2, "信号不好"),
    ("weak_signal", 2, "信号差"),
    ("weak_signal", 2, "信号弱"),
    ("weak_signal", 1.5, "信号.{0,3}(?:差|弱|不好|不稳)"),
    ("weak_signal", 1.5, "(?:收得|接收).{0,2}(?:差|弱|不好)"),  # Cantonese 收得好差 (reception)
    ("weak_signal", 2, "只有一两格"),
    ("weak_signal", 1.5, "一两格"),
    ("weak_signal", 1.5, "只有一格"),
    ("weak_signal", 1.5, "信号不稳定"),
    ("weak_signal", 1, "信号时有时无"),
    ("weak_signal", 1.5, "一会儿有一会儿(?:莫得|没有?|冇)|有时有有时(?:没|莫得)"),
    ("weak_signal", 1, "信号很差"),
    ("weak_signal", 1, "覆盖"),
    ("weak_signal", 1.5, "(?:只有|仅有?|只剩|掉到|变成)(?:2g|3g)"),
    ("weak_signal", 1.5, "就一格|就两格|一格信号|\\d(?:-|到|~)\\d格"),
    ("weak_signal", 2, "(?:2g|3g|4g|5g)(?:和|与|跟)(?:2g|3g|4g|5g)之间.{0,3}跳"),
    ("weak_signal", 2, "(?:信号)?格(?:子|数)?.{0,4}(?:跳|忽高忽低|忽多忽少)|一会儿满一会儿"),
    ("call_drop", 2, "掉话"),
    ("call_drop", 1.5, "通话中断"),
    ("call_drop", 1.5, "自动挂断"),
    ("call_drop", 1.5, "打着打着就断"),
    ("call_drop", 1.5, "电话断了"),
    ("call_drop", 1, "掉线"),
    ("call_drop", 2, "(?:打电话|通话|电话|接电话).{0,6}?(?:掉线|断线)"),  # a call's, not data's
    ("call_drop", 1, "断线"),  # Hong Kong and Taiwan say 断线 (成日断线, 通话断线)
    ("call_drop", 1.5, "通话经常断"),
    ("call_drop", 1.5, "(?:通话|电话|说着说着|打着打着).{0,6}?(?<!时)断(?!断续|续)"),
    ("call_drop", 2, "(?:说着说着|打着打着|聊着聊着).{0,6}?(?:断|挂|掉)"),
    ("call_drop", 2, "自己挂了|自动挂了|自动断了|自己断(?:掉|了|开)|自己掉了"),
    ("call_drop", 2, "说(?:两|几|一两|没两|不到两)句.{0,4}(?:断|挂|掉)"),
    ("poor_voice", 2, "断断续续"),
    ("poor_voice", 1.5, "吞字|声音.{0,3}(?:小|卡|变)"),
    ("poor_voice", 2, "时断时续"),
    ("poor_voice", 2, "听不清楚"),
    ("poor_voice", 2, "听不清"),
    ("poor_voice", 1.5, "杂音"),
    ("poor_voice", 1.5, "回音"),
    ("poor_voice", 1.5, "串线"),
    ("poor_voice", 1, "声音"),
    ("poor_voice", 1, "通话质量"),
    ("poor_voice", 2, "(?:通话|语音)质量.{0,2}(?:差|不好)"),
    ("poor_voice", 1.5, "机器人"),
    ("poor_voice", 2, "听不到|听不见"),
    ("poor_voice", 1.5, "单通"),
    ("cannot_call", 2, "打不出去"),
    ("cannot_call", 2, "打不出"),
    ("cannot_call", 2, "无法拨打"),
    ("cannot_call", 2, "拨不出"),
    ("cannot_call", 2, "不能打电话"),
    ("cannot_call", 1.5, "呼叫失败"),
    ("cannot_call", 1.5, "无任何提示音"),
    ("cannot_call", 1.5, "打出去.{0,3}(?:没有?|无)(?:声|反应)"),
    ("cannot_call", 1, "不能打"),
    (
        "cannot_call",
        2,
        "拨(?:号|出去?|打).{0,6}(?:没有?(?:任何)?(?:反应|声音)|无反应|打不通|失败|自动结束)",
    ),
    ("cannot_call", 1.5, "打电话.{0,3}失败"),
    ("cannot_call", 1.5, "打不了电话|电话打不了|打不通电话|电话打不通"),
    # Cantonese 打唔到 call, call 唔出; not 打不通他们 (those who can't be reached)
    ("cannot_call", 1, "打不(?:通|到)(?![他她我你])|call ?不(?:出|到|通)"),
    ("cannot_call", 2, "无法拨出|主叫失败|呼出失败|(?:拨|打)出去.{0,6}(?:忙音|失败|没反应|打不通)"),
    ("cannot_call", 2.5, "(?<!您)拨.{0,8}无法接通"),  # not 您拨打的用户无法接通 (callers hear)
    ("cannot_receive", 2, "打不(?:进|入)来?"),  # Cantonese 打唔入嚟
    ("cannot_receive", 2, "(?:别人|人家|家里人|亲戚|朋友|同事|老婆|老公).{0,6}打不(?:到|通|进|入)"),
    ("cannot_receive", 2, "接不到电话"),
    ("cannot_receive", 2, "收不到.{0,2}电话"),  # Cantonese 收唔到电话
    ("cannot_receive", 2, "接不到"),
    ("cannot_receive", 2, "无法接听"),
    ("cannot_receive", 1.5, "(?<![打给拨])别人打不通"),  # not 我打别人打不通 (the caller)
    ("cannot_receive", 2, "被叫(?:不通|打不通|失败|不了)?"),  # agents' 被叫 (mobile-terminated)
    ("cannot_call", 2, "主叫(?:不通|打不通|不了)"),
    ("cannot_call", 1.5, "打(?:别人|人家)的?(?:电话)?.{0,2}打不通"),
    ("cannot_receive", 1.5, "说(?:我|他|她)的?(?:手机|电话)?(?:已经)?关机"),
    ("cannot_receive", 1.5, "空号"),
    ("cannot_receive", 1, "不能接"),
    ("cannot_receive", 1, "打不通我"),
    ("cannot_receive", 2, "打我电话.{0,4}(?:关机|空号|不在服务区|无法接通)"),
    # others calling me (him, her) hear "switched off" or can't get through: 别人打他说关机,
    # 别人给我打电话一直打不通 (the callee's complaint, not the caller's 电话打不通)
    (
        "cannot_receive",
        2,
        "(?<![打给拨])别人(?:给(?:我|他|她))?打(?:我|他|她)?的?(?:电话)?.{0,6}"
        "(?:关机|空号|不在服务区|无法接通|打不通|不通)",
    ),
    ("cannot_receive", 1, "来电"),
    ("cannot_receive", 2, "无法接通|漏接|没响|不响"),
    ("cannot_receive", 2, "转(?:到|进)?语音信箱"),
    ("cannot_receive", 2, "提示.{0,12}(?:已关机|关机|无法接通|不在服务区|空号)"),
    ("cannot_receive", 1.5, "未接来电|打我.{0,8}不在服务区|打.{0,4}我.{0,8}不在服务区"),
    ("slow_data", 2, "网速慢"),
    ("slow_data", 2, "上网慢"),
    ("slow_data", 2, "网络慢"),
    ("slow_data", 1.5, "网速很慢"),
    ("slow_data", 1.5, "加载慢"),
    ("slow_data", 1, "视频卡"),
    ("slow_data", 1, "网速"),
    ("slow_data", 1, "卡顿"),
    ("slow_data", 2, "(?:上网|网速|网络|网页|下载|加载).{0,2}(?:特别|很|非常|太|好)?慢"),
    ("slow_data", 1.5, "(?:网络?|网页|视频).{0,2}卡|很卡"),
    ("slow_data", 1.5, "转圈|加载不出|等好久|等很久|要等半天"),
    ("slow_data", 2, "(?:数据业务|上网|下载)?速率.{0,2}(?:低|慢)"),  # the agent's 数据业务速率低
    ("slow_data", 1.5, "(?:打|玩)(?:王者|游戏|吃鸡|和平精英|农药).{0,4}卡"),
    ("slow_data", 1.5, "(?<![上速])网(?:很|太|特别|好|非常|有点|超级)?慢|刷不(?:出来|出|动)"),
    # others get 5G, this phone stays on 4G: a data complaint (the handset or its plan, mostly)
    ("slow_data", 1.5, "(?:只有|只显示|只能用|一直是|还是|总是)4g"),
    ("slow_data", 1.5, "(?:4g|5g|数据|流量).{0,2}(?:很|太|特别|超)?慢"),
    (
        "slow_data",
        2,
        "测速.{0,6}\\d|(?:只有|才|不到)\\s?\\d+(?:\\.\\d+)?\\s?(?:m|k|mbps|kbps)(?![a-z])",
    ),
    ("no_data", 2, "无法上网"),
    ("no_data", 2, "上不(?:了|到)网"),  # Cantonese 上唔到网
    ("no_data", 1.5, "load ?不(?:到|了|出)"),  # Cantonese load 唔到嘢
    ("no_data", 2, "不能上网"),
    ("no_data", 1.5, "没有网"),
    ("no_data", 1.5, "断网"),
    # 掉线 of the internet, not of a call
    ("no_data", 2, "(?:上网|网络|网|数据|流量|wifi|热点).{0,6}?(?:掉线|断线)"),
    ("no_data", 1, "流量用不了"),
    ("no_data", 2, "(?:移动)?数据.{0,4}(?:用不了|连不上|连接不上|不能用)"),
    ("no_data", 2, "连不上网"),
    ("no_data", 2, "上网上不(?:起|了|去)|上不(?:起|去)网"),
    ("no_data", 1.5, "(?:微信|qq|图片|照片|视频).{0,6}发不出去"),
    ("no_data", 2, "上网.{0,6}(?:不行|不了|不能用)"),
    ("no_data", 2.5, "有信号(?:但是?|却|就是)?(?:没网|没有网|上不了网|不能上网)"),
    ("no_data", 1.5, "(?:4g|5g)(?:标志|图标).{0,4}(?:不出来|没有|不显示)"),
    ("no_data", 1, "打不开"),
    ("no_data", 2, "(?:什么|所有|任何).{0,4}都打不开"),
    ("no_data", 2, "无法访问|网页都打不开|打不开任何网页"),  # 网页打不开 alone may be slow
)

EN: tuple[tuple[str, float, str], ...] = (
    ("roaming_failure", 2, r"roam\w*"),
    ("roaming_failure", 2, r"abroad|overseas"),
    ("roaming_failure", 2, r"since (?:i )?arriv\w*|(?:after|since) (?:i )?land\w*|travell?ing in"),
    ("roaming_failure", 2, r"(?:just )?landed in|arrived in|travel pass"),
    (
        "roaming_failure",
        2,
        r"visiting (?:\w+ )?in|on (?:holiday|vacation) in|(?:holiday|vacation|trip) (?:in|to)",
    ),
    ("roaming_failure", 1, r"another country|visited network|foreign network"),
    ("sms_failure", 2, r"sms|text messages?|texts?"),
    (
        "sms_failure",
        1.5,
        r"verification codes?|otps?|one[- ]time (?:pass)?codes?|(?:sign[- ]in|login) codes?",
    ),
    ("sms_failure", 2, r"short messages?"),
    ("sms_failure", 1.5, r"msgs?"),
    (
        "no_signal",
        2,
        r"no (?:signal|signel|signl|singal|servi?ce|coverage|network|n/w|bars?)"
        r"|not even (?:one|a single) bar",
    ),
    (
        "no_signal",
        2,
        r"zero (?:bars?|signal)|lost all (?:bars?|signal|service)|all bars? (?:gone|lost)"
        r"|(?<![\d.])0 (?:bars?|signal)",
    ),
    ("no_signal", 1.5, r"line (?:is |was |went |goes )?(?:totally |completely |all )?dead"),
    ("no_signal", 1, r"nothing works|wi-?fi only|only (?:works )?(?:on|with) wi-?fi"),
    # Indian English: "network not coming", "n/w not available here"
    ("no_signal", 2, r"(?:network|n/w|signal|signl|range|tower) (?:is )?not (?:coming|available)"),
    ("no_signal", 1, r"sim (?:card )?(?:is )?not (?:working|detected)"),
    ("no_signal", 2, r"emergency calls? only|only (?:make )?emergency calls?|sos(?: only)?"),
    ("no_signal", 1.5, r"los(?:e|es|ing) (?:the |my )?(?:signal|network|service)"),
    (
        "no_signal",
        1.5,
        r"(?:signal|network|service|coverage) (?:is |was |has )?(?:gone|lost|disappeared)"
        r"|(?:loss|lost) of (?:service|signal)"
        r"|searching for (?:a )?(?:network|signal|service)|(?:says|shows|just) searching",
    ),
    ("no_signal", 2, CANT + r" get (?:any )?(?:signal|reception|service|bars?)"),
    (
        "no_signal",
        2,
        r"(?:an? )?x (?:over|on|in|next to) the signal|signal icon (?:has|shows) (?:an? )?x"
        r"|(?:lost|no) (?:all )?coverage",
    ),
    ("no_signal", 1.5, r"signal (?:keeps )?(?:disappear\w*|vanish\w*)|dead (?:zone|spot)"),
    ("weak_signal", 2, r"(?:weak|poor|bad|low|terrible|feeble) (?:signal|reception|coverage)"),
    ("weak_signal", 2, r"(?:signal|reception) is (?:so |very |really )?(?:weak|poor|bad|feeble)"),
    ("weak_signal", 1.5, r"(?:one|1|two|2) bars?"),
    ("weak_signal", 1, r"signal (?:is )?(?:weak|poor|bad)"),
    (
        "weak_signal",
        2,
        r"(?:signl|singal|sgnl|signal) (?:strength )?(?:is )?(?:very |too |so |really )?"
        r"(?:weak|poor|bad|low)",
    ),
    ("weak_signal", 1.5, r"no (?:5g|4g|lte)(?: signal| coverage| network)?"),
    (
        "weak_signal",
        2,
        r"(?:reception|signal|bars?) (?:keeps? )?(?:jump\w*|going|go(?:es)?) up and down"
        r"|barely (?:one|1|any) bars?",
    ),
    (
        "weak_signal",
        1.5,
        r"fluctuat\w*|(?:very )?unstable|spotty|patchy|bars? go(?:es)? up and down"
        r"|\d (?:and|to|-) ?\d bars?"
        r"|(?:switching|switches|drops?) (?:from )?(?:lte|4g|5g) to (?:3g|2g)",
    ),
    (
        "call_drop",
        2,
        r"(?:calls?|it|line) (?:keeps? |keep on |often |always )?"
        r"(?:drop|dropping|dropped|cut off|cuts off|cutting off|cut out|cuts out|cutting out)",
    ),
    (
        "call_drop",
        2,
        r"dropp?(?:ed|s) (?:\d+|two|three|four|five|several|a few|many|multiple) times"
        r"|lost (?:my|the|a) calls?|calls? (?:got |get |gets |keeps? getting )?lost",
    ),
    ("call_drop", 2, r"dropp?ed calls?|call drops?"),
    # Australian "drop outs" (of the signal or a call): a call cut, else the connection
    (
        "call_drop",
        1.5,
        r"drop ?outs?|(?:calls?|signal|reception|phone) (?:keeps? )?(?:dropping|drops?) out",
    ),
    ("no_data", 2, r"(?:internet|data|wi-?fi hotspot) (?:keeps? )?(?:dropping|drops?) out"),
    ("call_drop", 1, r"hangs? up by itself"),
    (
        "call_drop",
        2,
        r"(?:call|it) (?:just )?ends? by itself|calls? (?:terminate|end|ends|cut) (?:after|mid)"
        r"|ends? (?:mid[- ]call|in the middle)|drop(?:s|ped)? after|ends? after (?:about |~)?\d"
        r"|ends? after (?:about )?(?:a|one|two|a few) (?:minute|min)|goes dead"
        r"|the line (?:just )?(?:goes|dies)(?! through)",
    ),
    ("poor_voice", 2, r"choppy|breaks? up|breaking up|robotic|one[- ]way audio"),
    # a moment's trouble, nothing named: the weakest reading, as "network issue"
    ("weak_signal", 1, r"(?:weird |odd |little |small )?(?:blip|glitch)"),
    ("slow_data", 1, r"(?:keeps?|always|still|forever) loading|loading"),
    ("no_data", 1.5, r"(?:not|never|won'?t|doesn'?t|don'?t|isn'?t|aren'?t) load(?:ing|s)?"),
    ("poor_voice", 2, CANT + r" hear"),
    ("poor_voice", 2, r"(?:going|goes|cutting|cuts) in and out|every other word"),
    ("poor_voice", 1.5, r"noise|noisy|echo|crosstalk|static"),
    ("poor_voice", 1.5, r"(?:call|voice|audio|sound) quality|garbled|muffled|distorted"),
    ("poor_voice", 1.5, r"metallic|robotic|tinny"),
    ("call_drop", 2, r"calls? (?:was |were |is |are |got |gets |get )?(?:interrupted|cut)"),
    ("cannot_call", 2, CANT + r" (?:make |place )?(?:a )?(?:phone )?calls?(?! me)"),
    # "phone" and "ring" as verbs (UK): "can't phone anyone any more", "couldn't ring my mum"
    (
        "cannot_call",
        2,
        CANT + r" (?:phone|ring|call|dial) (?:any ?one|anybody|any ?body|people|out|home|"
        r"him|her|them|us|my \w+|the \w+)",
    ),
    (
        "cannot_call",
        1.5,
        r"calls? (?:always |often |keep |keeps )?(?:fail|failing|won'?t go through)",
    ),
    ("cannot_call", 2, r"outgoing calls?|dial(?:l?ing)? out|call out"),
    (
        "cannot_call",
        2,
        r"(?:quit|stopped|stops|won'?t|will not|doesn'?t|does not) (?:making|make|placing|place)"
        r" (?:any )?(?:phone )?calls?",
    ),
    ("cannot_call", 1.5, r"try(?:ing)? to (?:call|dial|ring)"),
    ("cannot_call", 1.5, r"dial(?:l?ing)? (?:any|a) number"),
    (
        "cannot_call",
        2,
        r"dial\w* .{0,30}nothing happens|nothing happens when i (?:dial|call)"
        r"|ends? without ringing|shows? ['\"]?dial(?:l)?ing",
    ),
    (
        "cannot_call",
        1.5,
        r"dial(?:l?ing)? does nothing|no dial ?tone|calls? (?:don'?t|do not|won'?t) connect",
    ),
    ("cannot_receive", 2, CANT + r" (?:receive|get) (?:any )?(?:incoming )?calls?"),
    ("cannot_receive", 2, r"(?:nobody|no one|people) can'?t? ?(?:reach|call) me"),
    ("cannot_receive", 1.5, r"incoming calls?|number does not exist|unreachable"),
    (
        "cannot_receive",
        2,
        r"(?:straight|directly|right) to (?:voice ?mail|message ?bank)"
        r"|(?:go|goes|going|went) to (?:voice ?mail|message ?bank)"
        r"|(?:never rings|(?:doesn'?t|does not|won'?t) ring)(?! on (?:the|their))",
    ),
    ("cannot_receive", 1.5, r"missed calls?|callers?|calling (?:me|him|her)"),
    ("cannot_receive", 1.5, r"(?:say|says|said|hear) (?:that )?my phone is (?:off|switched off)"),
    ("cannot_receive", 1.5, r"(?:phone|i) (?:is|was|am) (?:switched|turned) off|switched off"),
    (
        "cannot_receive",
        2,
        r"mt calls?|not reachable|cannot be reached|can'?t be reached|(?:is|person is) unavailable"
        r"|get through to (?:me|him|her|his|my|them)",
    ),
    ("cannot_receive", 1.5, r"(?:phones|calls|rings|phoning|calling|ringing) me"),
    ("slow_data", 2, r"slow (?:data|internet|speed|connection|browsing|download)"),
    ("slow_data", 1.5, r"(?:internet|data|speed) (?:is )?(?:very )?slow|buffering"),
    ("slow_data", 1, r"\bslow\b"),
    ("slow_data", 2, r"takes? forever to load|loads? (?:very )?slowly|sluggish"),
    ("slow_data", 1.5, r"takes? (?:forever|ages|minutes|a (?:very )?long time)"),
    ("slow_data", 2, r"(?:speeds?|internet|data) (?:is |are )?(?:worse|slower) than|dial-up"),
    ("slow_data", 1.5, r"lag|laggy|lagging"),
    ("slow_data", 2, r"[\d.]+ ?(?:mbps|kbps|mb/s|kb/s)|speed ?test"),
    ("slow_data", 1, r"slo+w\w*|pausing|stall\w*"),
    (
        "no_data",
        1.5,
        r"(?:data|internet|apps?|browser) (?:keeps? |always )?"
        r"(?:hang|hangs|hanging|freez\w*|frozen)",
    ),
    (
        "slow_data",
        1.5,
        r"(?:internet|data|speeds?|connection) (?:on my phone )?(?:is |was |has been )?"
        r"(?:trash|garbage|crap|awful|horrible|a joke)",
    ),
    (
        "weak_signal",
        1.5,
        r"(?:signal|reception|service|bars?) (?:seems? |is |are |has been |got |getting )?"
        r"(?:lower|weaker|worse|trash|garbage|crap)",
    ),
    ("no_data", 2, r"no (?:data|internet|mobile data)"),
    ("no_data", 2, CANT + r" (?:get online|browse|connect to the internet)"),
    ("no_data", 1.5, r"(?:mobile )?data (?:is )?(?:not working|doesn'?t work|down)"),
    ("no_data", 1.5, r"(?:internet|data) (?:doesn'?t|does not|isn'?t|is not|not) work\w*"),
    ("no_data", 2, r"data (?:has been |is )?(?:completely |totally )?(?:unusable|useless|dead)"),
    (
        "no_data",
        1.5,
        r"(?:internet|network|connection) (?:was|is|has been|became|seems) (?:completely |totally "
        r"|basically |almost )?(?:unusable|useless)",
    ),
    ("slow_data", 1.5, r"(?:only (?:shows?|gets?|has|on)|stuck on) 4g"),
    ("no_data", 1, CANT + r" connect"),
    ("no_data", 1.5, r"nothing loads|" + CANT + r" load"),
    ("no_data", 1, r"(?:data |internet )?connection (?:keeps? )?(?:drops?|dropping|cuts? out)"),
    # agents' shorthand: "net" for the internet, "n/w" for the network
    ("no_data", 2, r"\bnet (?:is )?(?:not working|not connecting|not coming|gone|down)"),
    (
        "no_data",
        1.5,
        r"(?:pages?|sites?|apps?) (?:keep )?tim(?:e|es|ing) out|data (?:basically |just )?stops",
    ),
    ("no_signal", 2, r"no n/?w\b|n/w (?:gone|down)"),
    ("poor_voice", 2, r"voice (?:is )?(?:breaking|breaks|cutting|cuts)|breaking voice"),
    ("call_drop", 2, r"(?:calls?|line) (?:is |are )?(?:getting|gets?|got) (?:cut|disconnected)"),
    ("call_drop", 1.5, r"cut(?:s|ting)? (?:off )?in between"),
    # Hinglish, as Indian agents type it (call kat jata hai: the call gets cut)
    ("call_drop", 2, r"\bkat (?:jata|jati|jaata|jaati|ja raha|ja rahi)"),
    ("poor_voice", 2, r"\bawaaz (?:kat|toot|tut|saaf nahi|nahi aa)"),
    ("no_signal", 2, r"network nahi (?:aa|hai|mil)"),
    ("slow_data", 1.5, r"\bnet (?:bahut |bohot )?slow"),
    # a complaint about "the network" that names no symptom: a signal complaint, the weakest
    # reading (any phrase above outweighs it), rather than a complaint refused
    (
        "weak_signal",
        1,
        r"(?:network|n/w|service|signal) (?:ka |ki )?(?:issues?|problems?|kharab)"
        r"|(?:issues?|problems?|unhappy) with (?:the |my )?(?:network|service|signal)"
        r"|(?:bad|poor|terrible|worst) (?:network|service)|network (?:is )?(?:bahut |very |so "
        r"|really )?(?:bad|poor|terrible|kharab)",
    ),
)
